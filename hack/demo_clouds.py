#!/usr/bin/env python3
"""The demo's view into the three local clouds: moto (AWS), the GCP IAM fake and the Azure ARM fake.

Reads its endpoints from the environment hack/demo.sh sets (AWS_ENDPOINT_URL, CIFED_GCP_IAM_ENDPOINT,
CIFED_GCP_ACCESS_TOKEN, CIFED_AZURE_ARM_ENDPOINT, CIFED_AZURE_ACCESS_TOKEN, CIFED_AZURE_CA_FILE). boto3 comes with
moto, so nothing beyond what hack/install-moto.sh installs is needed.

  demo_clouds.py aws-setup              the customer-managed policies the examples attach
  demo_clouds.py show                   what the operator created in each cloud
  demo_clouds.py aws-trust ROLE         a role's trust condition, one line
  demo_clouds.py aws-widen ROLE         a hand edit: trust widened to StringLike repo:my-org/*
"""
import json
import os
import ssl
import sys
import urllib.request

import boto3

ACCOUNT = "123456789012"
GCP_PROJECT_NUMBER = "123456789012"
GCP_POOL = "cifed-github"  # the default pool of the CIIssuer "github" (one pool per issuer)
GCP_SERVICE_ACCOUNT = "ci-deployer@my-project.iam.gserviceaccount.com"
AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
AZURE_GROUP = "my-rg"
IAM_PATH = os.environ.get("CIFED_IAM_PATH", "/cifederation/")

# What the examples attach: a managed policy of the platform team and the permissions boundary.
EXAMPLE_POLICIES = {
    "my-app-cloudfront-invalidation": ["cloudfront:CreateInvalidation"],
    "my-app-deploy": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"],
    "ci-boundary": ["s3:*", "cloudfront:CreateInvalidation"],
}


def iam():
    return boto3.client("iam", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")


def aws_setup():
    client = iam()
    existing = {p["PolicyName"] for p in client.list_policies(Scope="Local")["Policies"]}
    for name, actions in EXAMPLE_POLICIES.items():
        if name in existing:
            continue
        document = {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        client.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
        print(f"  created arn:aws:iam::{ACCOUNT}:policy/{name}")


def trust_condition(role):
    document = iam().get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(document, str):  # moto returns the URL-decoded JSON text, boto3 parses it
        document = json.loads(document)
    statement = document["Statement"][0]
    if statement.get("Effect") == "Deny":  # a withdrawn trust (suspended or revoked) admits nobody
        return "Deny " + json.dumps(statement.get("Action")) + " (admits no web identity)"
    return json.dumps(statement.get("Condition", {}), sort_keys=True)


def aws_widen(role):
    client = iam()
    document = client.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    statement = document["Statement"][0]
    host = next(iter(statement["Condition"]["StringEquals"])).split(":")[0]
    statement["Condition"] = {
        "StringEquals": {f"{host}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{host}:sub": "repo:my-org/*"},
    }
    client.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(document))


def show_aws():
    client = iam()
    print(f"AWS (moto, account {ACCOUNT}):  aws --endpoint-url $AWS_ENDPOINT_URL iam list-roles "
          f"--path-prefix {IAM_PATH}")
    for provider in client.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        thumbprints = client.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])["ThumbprintList"]
        print(f"  provider {provider['Arn']}  thumbprints {thumbprints}")
    for role in client.list_roles(PathPrefix=IAM_PATH)["Roles"]:
        name = role["RoleName"]
        attached = [p["PolicyName"] for p in client.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        inline = client.list_role_policies(RoleName=name)["PolicyNames"]
        print(f"  role {role['Arn']}")
        print(f"    trust     {trust_condition(name)}")
        print(f"    attached  {attached}  inline {inline}  max session {role['MaxSessionDuration']}s")


def rest(endpoint, path, token, method="GET", body=None, context=None):
    request = urllib.request.Request(endpoint.rstrip("/") + path, method=method,
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return json.load(response)


def show_gcp():
    endpoint, token = os.environ["CIFED_GCP_IAM_ENDPOINT"], os.environ["CIFED_GCP_ACCESS_TOKEN"]
    pool = f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{GCP_POOL}"
    print(f"GCP (fake IAM at {endpoint}):")
    print(f"  pool {pool}")
    for provider in rest(endpoint, f"/v1/{pool}/providers", token).get("workloadIdentityPoolProviders", []):
        print(f"  provider {provider['name'].rsplit('/', 1)[1]}  state {provider.get('state')}")
        print(f"    condition {provider.get('attributeCondition')}")
    policy = rest(endpoint, f"/v1/projects/-/serviceAccounts/{GCP_SERVICE_ACCOUNT}:getIamPolicy", token,
                  method="POST", body={"options": {"requestedPolicyVersion": 3}})
    for binding in policy.get("bindings", []):
        for member in binding.get("members", []):
            print(f"  {binding['role']} on {GCP_SERVICE_ACCOUNT}: {member}")


def show_azure():
    endpoint, token = os.environ["CIFED_AZURE_ARM_ENDPOINT"], os.environ["CIFED_AZURE_ACCESS_TOKEN"]
    context = ssl.create_default_context(cafile=os.environ["CIFED_AZURE_CA_FILE"])
    group = f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{AZURE_GROUP}"
    identities = f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    print(f"Azure (fake ARM at {endpoint}):")
    for identity in rest(endpoint, f"{identities}?api-version=2023-01-31", token, context=context)["value"]:
        props = identity["properties"]
        print(f"  identity {identity['name']}  clientId {props['clientId']}")
        credentials = rest(endpoint, f"{identities}/{identity['name']}/federatedIdentityCredentials"
                                     f"?api-version=2023-01-31", token, context=context)["value"]
        for credential in credentials:
            print(f"    credential {credential['name']}: {credential['properties']['subject']}")
        assignments = rest(endpoint, f"{group}/providers/Microsoft.Authorization/roleAssignments"
                                     f"?api-version=2022-04-01&$filter=principalId%20eq%20'{props['principalId']}'",
                           token, context=context)["value"]
        for assignment in assignments:
            definition = rest(endpoint, assignment["properties"]["roleDefinitionId"] + "?api-version=2022-04-01",
                              token, context=context)
            print(f"    role assignment {definition['properties']['roleName']} on {assignment['properties']['scope']}")


def main(argv):
    command = argv[1] if len(argv) > 1 else "show"
    if command == "aws-setup":
        aws_setup()
    elif command == "aws-trust":
        print(trust_condition(argv[2]))
    elif command == "aws-widen":
        aws_widen(argv[2])
    elif command == "show":
        for show in (show_aws, show_gcp, show_azure):
            show()
            print()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
