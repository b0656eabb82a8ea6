#!/usr/bin/env python3
"""The demo's view into the three local clouds: moto (AWS), the GCP IAM fake and the Azure ARM fake.

Reads its endpoints from the environment hack/demo.sh sets (AWS_ENDPOINT_URL, CIFED_GCP_IAM_ENDPOINT,
CIFED_GCP_ACCESS_TOKEN, CIFED_AZURE_ARM_ENDPOINT, CIFED_AZURE_ACCESS_TOKEN, CIFED_AZURE_CA_FILE). boto3 comes with
moto, so nothing beyond what hack/install-moto.sh installs is needed.

  demo_clouds.py aws-setup              the customer-managed policies the examples attach
  demo_clouds.py show                   what the operator created in each cloud
  demo_clouds.py aws-trust ROLE         a role's trust condition, one line
  demo_clouds.py aws-widen ROLE         a hand edit: trust widened to StringLike repo:my-org/*
  demo_clouds.py legacy-seed            hand-made objects the operator never created, as Terraform would make them
  demo_clouds.py legacy-show            those objects as the clouds hold them now
  demo_clouds.py aws-role ROLE          a role anywhere in the account: its id and tags
  demo_clouds.py azure-credentials ID   an Azure identity's tags and federated credentials, one line each
"""
import json
import os
import ssl
import sys
import time
import urllib.parse
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


# ---------------------------------------------------------------------------------- legacy objects
# What a team had before the operator: made by hand or by Terraform, with the trust the field guide warns about.
GITHUB = "https://token.actions.githubusercontent.com"
GITHUB_THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"
LEGACY_POOL = "legacy-github"
LEGACY_AZURE_IDENTITY = "legacy-feature"


def github_trust(condition):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition}]}, indent=2)


def seed_aws():
    client = iam()
    # as Terraform's aws_iam_openid_connect_provider makes it: no operator tags, its own thumbprint
    client.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sts.amazonaws.com"],
                                           ThumbprintList=[GITHUB_THUMBPRINT])
    print(f"  AWS provider  {GITHUB} (Terraform-style: no operator tags)")
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}]}
    client.create_policy(PolicyName="legacy-deploy-s3", PolicyDocument=json.dumps(document))
    client.create_role(RoleName="legacy-deploy", AssumeRolePolicyDocument=github_trust({
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/*"}}))
    client.attach_role_policy(RoleName="legacy-deploy",
                              PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/legacy-deploy-s3")
    print("  AWS role      legacy-deploy: StringLike sub repo:my-org/* (every repository of the org)")
    client.create_role(RoleName="legacy-no-aud", AssumeRolePolicyDocument=github_trust({
        "StringEquals": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-app:ref:refs/heads/main"}}))
    print("  AWS role      legacy-no-aud: no aud condition")


def gcp_wait(endpoint, token, operation):
    for _ in range(50):
        if operation.get("done"):
            return
        time.sleep(0.2)
        operation = rest(endpoint, f"/v1/{operation['name']}", token)
    sys.exit(f"GCP operation {operation['name']} did not finish")


def seed_gcp():
    endpoint, token = os.environ["CIFED_GCP_IAM_ENDPOINT"], os.environ["CIFED_GCP_ACCESS_TOKEN"]
    parent = f"projects/{GCP_PROJECT_NUMBER}/locations/global"
    gcp_wait(endpoint, token, rest(endpoint, f"/v1/{parent}/workloadIdentityPools?workloadIdentityPoolId={LEGACY_POOL}",
                                   token, method="POST", body={"displayName": "GitHub", "description": "terraform"}))
    pool = f"{parent}/workloadIdentityPools/{LEGACY_POOL}"
    gcp_wait(endpoint, token, rest(endpoint, f"/v1/{pool}/providers?workloadIdentityPoolProviderId=github-org", token,
                                   method="POST", body={
                                       "displayName": "GitHub my-org",
                                       "oidc": {"issuerUri": GITHUB},
                                       "attributeMapping": {"google.subject": "assertion.sub",
                                                            "attribute.repository": "assertion.repository"},
                                       # the whole organisation: no repository condition
                                       "attributeCondition": "assertion.repository_owner == 'my-org'"}))
    print(f"  GCP provider  {pool}/providers/github-org: condition only repository_owner == 'my-org'")


def arm(path, method="GET", body=None):
    endpoint, token = os.environ["CIFED_AZURE_ARM_ENDPOINT"], os.environ["CIFED_AZURE_ACCESS_TOKEN"]
    context = ssl.create_default_context(cafile=os.environ["CIFED_AZURE_CA_FILE"])
    return rest(endpoint, path, token, method=method, body=body, context=context)


def azure_identity_path(name):
    return (f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{AZURE_GROUP}"
            f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}")


def seed_azure():
    identity = azure_identity_path(LEGACY_AZURE_IDENTITY)
    arm(f"{identity}?api-version=2023-01-31", method="PUT", body={"location": "eastus", "tags": {"team": "a"}})
    arm(f"{identity}/federatedIdentityCredentials/github-feature-x?api-version=2023-01-31", method="PUT", body={
        "properties": {"issuer": GITHUB, "subject": "repo:my-org/my-app:ref:refs/heads/feature-x",
                       "audiences": ["api://AzureADTokenExchange"]}})
    print(f"  Azure identity {LEGACY_AZURE_IDENTITY}: credential github-feature-x for branch feature-x")


def legacy_show():
    client = iam()
    print("AWS roles outside the operator's path:")
    for name in ("legacy-deploy", "legacy-no-aud"):
        print(f"  {name}: {trust_condition(name)}")
    provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    provider = client.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    print(f"  provider {provider_arn}: tags {provider.get('Tags', [])} thumbprints {provider['ThumbprintList']}")
    endpoint, token = os.environ["CIFED_GCP_IAM_ENDPOINT"], os.environ["CIFED_GCP_ACCESS_TOKEN"]
    pool = f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{LEGACY_POOL}"
    for provider in rest(endpoint, f"/v1/{pool}/providers", token).get("workloadIdentityPoolProviders", []):
        print(f"GCP provider {provider['name'].rsplit('/', 1)[1]}: {provider.get('attributeCondition')}")
    print(f"Azure identity {LEGACY_AZURE_IDENTITY}: {azure_credentials(LEGACY_AZURE_IDENTITY)}")


def aws_role(name):
    role = iam().get_role(RoleName=name)["Role"]
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    print(f"roleId {role['RoleId']}  tags {json.dumps(tags, sort_keys=True)}")


def azure_credentials(name):
    identity = azure_identity_path(name)
    tags = arm(f"{identity}?api-version=2023-01-31").get("tags", {})
    credentials = arm(f"{identity}/federatedIdentityCredentials?api-version=2023-01-31")["value"]
    return (f"tags {json.dumps(tags, sort_keys=True)}; credentials "
            + ", ".join(f"{c['name']}={c['properties']['subject']}" for c in credentials))


def main(argv):
    command = argv[1] if len(argv) > 1 else "show"
    if command == "aws-setup":
        aws_setup()
    elif command == "aws-trust":
        print(trust_condition(argv[2]))
    elif command == "aws-widen":
        aws_widen(argv[2])
    elif command == "legacy-seed":
        seed_aws()
        seed_gcp()
        seed_azure()
    elif command == "legacy-show":
        legacy_show()
    elif command == "aws-role":
        aws_role(argv[2])
    elif command == "azure-credentials":
        print(azure_credentials(argv[2]))
    elif command == "show":
        for show in (show_aws, show_gcp, show_azure):
            show()
            print()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
