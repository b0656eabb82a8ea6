#!/usr/bin/env python3
"""A local OIDC issuer for the demo, standing in for a self-managed GitLab: HTTPS on loopback with a chain of its own
(root CA -> intermediate CA -> server certificate for 127.0.0.1), serving the discovery document and a JWKS.

  local_issuer.py DIR PORT     writes DIR/root-ca.pem (the CIIssuer's caBundle) and DIR/intermediate-ca.pem (whose
                               SHA-1 is the thumbprint AWS expects), prints the issuer URL, then serves until killed

Certificates are made with the openssl command line, like hack/cluster-up.sh does.
"""
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_chain(directory):
    def path(name):
        return os.path.join(directory, name)

    if os.path.exists(path("server-chain.pem")):
        return
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=cifed demo root CA",
            "-keyout", path("root-ca.key"), "-out", path("root-ca.pem"))
    with open(path("ca.ext"), "w") as ext:
        ext.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=cifed demo intermediate CA",
            "-keyout", path("intermediate-ca.key"), "-out", path("intermediate-ca.csr"))
    openssl("x509", "-req", "-in", path("intermediate-ca.csr"), "-CA", path("root-ca.pem"), "-CAkey",
            path("root-ca.key"), "-CAcreateserial", "-days", "30", "-extfile", path("ca.ext"),
            "-out", path("intermediate-ca.pem"))
    with open(path("server.ext"), "w") as ext:
        ext.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", path("server.key"), "-out", path("server.csr"))
    openssl("x509", "-req", "-in", path("server.csr"), "-CA", path("intermediate-ca.pem"), "-CAkey",
            path("intermediate-ca.key"), "-CAcreateserial", "-days", "30", "-extfile", path("server.ext"),
            "-out", path("server.pem"))
    with open(path("server-chain.pem"), "w") as chain:  # the server presents leaf + intermediate, as CAs do
        for name in ("server.pem", "intermediate-ca.pem"):
            with open(path(name)) as part:
                chain.write(part.read())


def signing_key(directory):
    """A JWKS entry for an RSA key of the issuer (tokens are never signed in the demo; the key set must exist)."""
    key = os.path.join(directory, "signing.key")
    if not os.path.exists(key):
        openssl("genrsa", "-out", key, "2048")
    modulus = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout.strip().split("=", 1)[1]

    def b64url(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "demo",
            "n": b64url(bytes.fromhex(modulus)), "e": b64url((65537).to_bytes(3, "big"))}


def main(directory, port):
    os.makedirs(directory, exist_ok=True)
    make_chain(directory)
    url = f"https://127.0.0.1:{port}"
    documents = {
        "/.well-known/openid-configuration": {
            "issuer": url, "jwks_uri": f"{url}/oauth/discovery/keys",
            "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"]},
        "/oauth/discovery/keys": {"keys": [signing_key(directory)]},
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            document = documents.get(self.path)
            body = json.dumps(document if document else {"error": "not found"}).encode()
            self.send_response(200 if document else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write("local-issuer: " + fmt % args + "\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(directory, "server-chain.pem"), os.path.join(directory, "server.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
