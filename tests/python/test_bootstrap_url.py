#!/usr/bin/python3
# test_bootstrap_url.py: Srp.Peer.add_bootstrap_url_async and the
# tls-database property from Python. A local HTTPS server (Python's ssl, with
# a certificate openssl makes now) serves a list signed with an Ed25519 key
# openssl makes too; the peer takes it when it trusts the certificate, and a
# URL without a key is refused at once. Skipped (77) without openssl.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import http.server
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402
from srp_testing import fail, wait_for  # noqa: E402


def openssl(*args, data=None):
    return subprocess.run(['openssl', *args], input=data, check=True, capture_output=True).stdout


def signed_list(directory, peers):
    key = os.path.join(directory, 'list-key.pem')
    openssl('genpkey', '-algorithm', 'ed25519', '-out', key)
    public = openssl('pkey', '-in', key, '-pubout', '-outform', 'DER')[-32:]
    body = ('SRP-BOOTSTRAP-LIST 1\n' + ''.join(f'peer {p}\n' for p in peers)).encode()
    data = os.path.join(directory, 'body')
    with open(data, 'wb') as f:
        f.write(body)
    signature = openssl('pkeyutl', '-sign', '-inkey', key, '-rawin', '-in', data)
    return body + b'signature ' + base64.b64encode(signature) + b'\n', public.hex()


def add(peer, url):
    result = {}
    peer.add_bootstrap_url_async(url, None, lambda p, r: result.setdefault('r', r))
    wait_for(lambda: 'r' in result, 'the list')
    return peer.add_bootstrap_url_finish(result['r'])


def main():
    if shutil.which('openssl') is None:
        print('SKIP: no openssl')
        sys.exit(77)
    os.environ['GIO_USE_PROXY_RESOLVER'] = 'dummy'
    with tempfile.TemporaryDirectory() as directory:
        cert, key = os.path.join(directory, 'cert.pem'), os.path.join(directory, 'key.pem')
        openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
                '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
                '-addext', 'subjectAltName=IP:127.0.0.1',
                '-addext', 'basicConstraints=critical,CA:TRUE')
        document, public_hex = signed_list(directory, ['203.0.113.11:7000', '[2001:db8::7]:7000'])

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header('Content-Length', str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args):
                pass

        httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f'https://127.0.0.1:{httpd.server_address[1]}/list#ed25519={public_hex}'

        peer = Srp.Peer.new()
        if peer.props.tls_database is not None:
            fail('tls-database is not NULL by default')
        peer.props.tls_database = Gio.TlsFileDatabase.new(cert)
        if peer.get_tls_database() is None:
            fail('tls-database did not stick')
        n = add(peer, url)
        if n != 2:
            fail(f'the list gave {n} peers, not 2')
        try:
            add(peer, url.split('#')[0])
            fail('a URL without a key was taken')
        except GLib.Error as error:
            if not error.matches(Srp.error_quark(), Srp.Error.INVALID_ARGUMENT):
                fail(f'no key: {error!r}')
        wrong = url[:-8] + ('0' * 8 if not url.endswith('0' * 8) else '1' * 8)
        try:
            add(Srp.Peer(tls_database=Gio.TlsFileDatabase.new(cert)), wrong)
            fail('a list signed with another key was taken')
        except GLib.Error as error:
            if not error.matches(Srp.error_quark(), Srp.Error.BOOTSTRAP_LIST):
                fail(f'wrong key: {error!r}')
        httpd.shutdown()
    print('ok: add_bootstrap_url_async')


main()
