"""A stand-in for the Vertex AI API and Google's OAuth token endpoint, for the `submit` tests
(tests/tests/submit.rs). Run it with the kfp venv's Python:

    python vertex_stand_in.py --record PATH [--tls-ca PATH] [--lifetime SECONDS]

It listens on 127.0.0.1 on a free port and prints one JSON line to stdout:
{"port": N, "private_key": PEM, "client_email": ...}. The test writes a service account key
file from it, whose token_uri is http://127.0.0.1:N/token. With --tls-ca it serves HTTPS
instead, with a certificate for 127.0.0.1 from a new CA whose certificate it writes to PATH.

It serves:
- POST /token: the JWT-bearer grant of a service account. It verifies the assertion's RS256
  signature with the key it made, its issuer, audience (the token_uri), scope and expiry,
  then issues an access token.
- POST /v1/projects/{project}/locations/{region}/pipelineJobs?pipelineJobId={id}: checks
  the bearer token, the content type and the body (pipelineSpec parsed into kfp's
  PipelineSpec protobuf, runtimeConfig, labels), and answers with a PipelineJob. The display
  name `reject-me` gets a 400 in Google's error form instead.

Every request is appended to the record file as one JSON line, before the answer is sent:
{"kind": "token" | "create" | "other", "method", "path", "query", "headers", "body",
"problems": [...]}; a request with problems gets a 400. The server exits when its standard
input closes or its lifetime ends, whichever comes first.
"""

import argparse
import base64
import datetime
import ipaddress
import json
import os
import re
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
CLIENT_EMAIL = "submitter@stand-in-project.iam.gserviceaccount.com"
ACCESS_TOKEN = "stand-in-token-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
PROJECT_NUMBER = "123456789012"
REJECTED_DISPLAY_NAME = "reject-me"
FORGED_NAME_DISPLAY_NAME = "forge-name"
HUGE_ANSWER_DISPLAY_NAME = "huge-answer"
JOB_PATH = re.compile(r"^/v1/projects/([^/]+)/locations/([^/]+)/pipelineJobs$")
JOB_ID = re.compile(r"^[a-z][-a-z0-9]{0,127}$")
BODY_KEYS = {"displayName", "pipelineSpec", "runtimeConfig", "labels", "serviceAccount"}

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_KEY_PEM = KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
).decode()

record_lock = threading.Lock()


def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_assertion(assertion, token_uri):
    """Returns the problems of a service account's JWT assertion."""
    try:
        header, claims, signature = assertion.split(".")
        KEY.public_key().verify(
            b64decode(signature),
            f"{header}.{claims}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        header = json.loads(b64decode(header))
        claims = json.loads(b64decode(claims))
    except Exception as error:  # noqa: BLE001 - any failure is a problem to report
        return [f"the assertion does not verify: {error!r}"]
    problems = []
    if header.get("alg") != "RS256":
        problems.append(f"alg is {header.get('alg')!r}")
    if claims.get("iss") != CLIENT_EMAIL:
        problems.append(f"iss is {claims.get('iss')!r}")
    if claims.get("aud") != token_uri:
        problems.append(f"aud is {claims.get('aud')!r}, not {token_uri!r}")
    if SCOPE not in str(claims.get("scope", "")).split():
        problems.append(f"scope is {claims.get('scope')!r}")
    if not claims.get("exp", 0) > time.time():
        problems.append(f"exp is {claims.get('exp')!r}")
    return problems


def check_job(body, project, region, job_id):
    """Returns the problems of a pipelineJobs.create body."""
    problems = []
    if not JOB_ID.match(job_id):
        problems.append(f"pipelineJobId {job_id!r} is not a valid job ID")
    if not isinstance(body, dict):
        return problems + ["the body is not a JSON object"]
    unknown = set(body) - BODY_KEYS
    if unknown:
        problems.append(f"unexpected fields {sorted(unknown)}")
    name = body.get("displayName")
    if not isinstance(name, str) or not 1 <= len(name) <= 128:
        problems.append(f"displayName {name!r}")
    try:
        json_format.ParseDict(body.get("pipelineSpec"), pipeline_spec_pb2.PipelineSpec())
    except Exception as error:  # noqa: BLE001
        problems.append(f"pipelineSpec does not parse: {error}")
    config = body.get("runtimeConfig")
    if not isinstance(config, dict) or set(config) - {"gcsOutputDirectory", "parameterValues"}:
        problems.append(f"runtimeConfig {config!r}")
    else:
        if not str(config.get("gcsOutputDirectory", "")).startswith("gs://"):
            problems.append(f"gcsOutputDirectory {config.get('gcsOutputDirectory')!r}")
        if not isinstance(config.get("parameterValues", {}), dict):
            problems.append("parameterValues is not an object")
    labels = body.get("labels", {})
    if not isinstance(labels, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
    ):
        problems.append(f"labels {labels!r}")
    if "serviceAccount" in body and not isinstance(body["serviceAccount"], str):
        problems.append("serviceAccount is not a string")
    return problems


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def handle_request(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        entry = {
            "kind": "other",
            "method": self.command,
            "path": url.path,
            "query": urllib.parse.parse_qs(url.query),
            "headers": {
                name.lower(): value
                for name, value in self.headers.items()
                if name.lower() in ("authorization", "content-type", "user-agent")
            },
            "problems": [],
        }
        status, answer = 404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}
        if url.path == "/token":
            entry["kind"] = "token"
            status, answer = self.token(raw, entry)
        elif JOB_PATH.match(url.path):
            entry["kind"] = "create"
            status, answer = self.create(raw, url, entry)
        else:
            entry["problems"].append(f"unexpected path {url.path}")
        with record_lock, open(self.server.record, "a", encoding="utf-8") as record:
            record.write(json.dumps(entry) + "\n")
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def token(self, raw, entry):
        problems = entry["problems"]
        if self.command != "POST":
            problems.append(f"method {self.command}")
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            problems.append(f"content type {content_type!r}")
        form = urllib.parse.parse_qs(raw.decode(errors="replace"))
        entry["body"] = {key: values[0] for key, values in form.items()}
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            problems.append(f"grant_type {form.get('grant_type')!r}")
        token_uri = f"{self.server.scheme}://127.0.0.1:{self.server.server_port}/token"
        problems.extend(check_assertion((form.get("assertion") or [""])[0], token_uri))
        if problems:
            return 400, {"error": "invalid_grant", "error_description": "; ".join(problems)}
        return 200, {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}

    def create(self, raw, url, entry):
        problems = entry["problems"]
        project, region = JOB_PATH.match(url.path).groups()
        entry["project"], entry["region"] = project, region
        job_ids = urllib.parse.parse_qs(url.query).get("pipelineJobId", [])
        job_id = job_ids[0] if len(job_ids) == 1 else ""
        if self.command != "POST":
            problems.append(f"method {self.command}")
        if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            problems.append(f"authorization {self.headers.get('Authorization')!r}")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            problems.append(f"content type {self.headers.get('Content-Type')!r}")
        try:
            body = json.loads(raw)
        except ValueError as error:
            body = None
            problems.append(f"the body is not JSON: {error}")
        entry["body"] = body
        if body is not None:
            problems.extend(check_job(body, project, region, job_id))
        if problems:
            message = "; ".join(problems)
            return 400, {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
        if body.get("displayName") == REJECTED_DISPLAY_NAME:
            return 400, {
                "error": {
                    "code": 400,
                    "message": "The stand-in rejects the display name `reject-me`.",
                    "status": "INVALID_ARGUMENT",
                }
            }
        name = f"projects/{PROJECT_NUMBER}/locations/{region}/pipelineJobs/{job_id}"
        if body.get("displayName") == HUGE_ANSWER_DISPLAY_NAME:
            # Over the 64 MiB of a response that the binary reads.
            return 200, {"name": name, "padding": "x" * (65 << 20)}
        if body.get("displayName") == FORGED_NAME_DISPLAY_NAME:
            # A name that would print a second line, in color, on the caller's terminal.
            name += "\n\x1b[31mFORGED LINE\x1b[0m"
        return 200, {
            "name": name,
            "displayName": body["displayName"],
            "pipelineSpec": body["pipelineSpec"],
            "runtimeConfig": body["runtimeConfig"],
            "labels": body.get("labels", {}),
            "state": "PIPELINE_STATE_PENDING",
            "createTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }


def certificate(subject, issuer, public_key, signing_key, ca):
    """A certificate valid for an hour; for 127.0.0.1 unless it is the CA's."""
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, critical=True)
    else:
        address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def tls_context(ca_path):
    """A server context with a leaf certificate for 127.0.0.1 from a new CA, written to
    ca_path."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = certificate("stand-in CA", "stand-in CA", ca_key.public_key(), ca_key, ca=True)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = certificate("127.0.0.1", "stand-in CA", leaf_key.public_key(), ca_key, ca=False)
    with open(ca_path, "wb") as file:
        file.write(ca.public_bytes(serialization.Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        chain = os.path.join(folder, "chain.pem")
        with open(chain, "wb") as file:
            file.write(leaf.public_bytes(serialization.Encoding.PEM))
            file.write(
                leaf_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context.load_cert_chain(chain)
    return context


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", required=True, help="file to append each request to")
    parser.add_argument("--tls-ca", help="serve HTTPS; write the CA certificate here")
    parser.add_argument("--lifetime", type=float, default=600, help="seconds before exiting")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.record = args.record
    server.scheme = "http"
    if args.tls_ca:
        server.socket = tls_context(args.tls_ca).wrap_socket(server.socket, server_side=True)
        server.scheme = "https"
    open(args.record, "a", encoding="utf-8").close()

    def stop_when_stdin_closes():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    print(
        json.dumps(
            {
                "port": server.server_port,
                "private_key": PRIVATE_KEY_PEM,
                "client_email": CLIENT_EMAIL,
            }
        ),
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
