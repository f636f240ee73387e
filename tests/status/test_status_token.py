#!/usr/bin/python3
# test_status_token.py: the token rule. SrpStatusServer through GI refuses to
# listen beyond loopback without a token (and other bad arguments) with clear
# errors; srp-tool node --http refuses the same; with a token, API requests
# and the WebSocket need it (as a Bearer header or ?token=), the dashboard's
# files do not; srp-tool status and peers pass it on.
#
# usage: test_status_token.py SRP_TOOL
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import subprocess
import sys

from status_testing import EventStream, Node, fail, request

from gi.repository import GLib, Srp  # noqa: E402

TOOL = sys.argv[1]
TOKEN = 'correct horse battery staple'


def expect_error(what, call, code, words):
    try:
        call()
    except GLib.Error as error:
        if not error.matches(Srp.error_quark(), code) or words not in error.message:
            fail(f'{what}: {error.message} ({error.code})')
        return
    fail(f'{what} was accepted')


def check_listen_rules():
    peer = Srp.Peer.new()
    server = Srp.StatusServer.new(peer)
    if server.props.peer is not peer or server.props.port != 0 or server.get_url() is not None:
        fail('a new server')
    for address in ('0.0.0.0', '::', '192.0.2.1'):
        expect_error(f'listen on {address} without a token', lambda a=address: server.listen(a, 0),
                     Srp.Error.INVALID_ARGUMENT, 'needs a token')
    expect_error('listen on a host name', lambda: server.listen('example.org', 0),
                 Srp.Error.INVALID_ARGUMENT, 'not an IP address')
    expect_error('listen on port 70000', lambda: server.listen(None, 70000),
                 Srp.Error.INVALID_ARGUMENT, 'not a TCP port')
    notified = []
    server.connect('notify::port', lambda *_: notified.append(server.props.port))
    server.listen(None, 0)
    port = server.props.port
    if port == 0 or notified != [port] or server.get_url() != f'http://127.0.0.1:{port}/':
        fail(f'listening: port {port}, notified {notified}, url {server.get_url()}')
    expect_error('listen twice', lambda: server.listen(None, 0), Srp.Error.ALREADY_LISTENING,
                 'listens already')
    server.close()
    if server.props.port != 0 or notified != [port, 0]:
        fail(f'after close: {server.props.port}, notified {notified}')
    server.set_token('')
    if server.props.token is not None:
        fail('an empty token counts as none')
    server.props.token = TOKEN
    server.listen('0.0.0.0', 0)
    if server.get_url() != f'http://0.0.0.0:{server.props.port}/':
        fail(f'url {server.get_url()}')
    server.close()


def check_node_refuses():
    result = subprocess.run([TOOL, 'node', '--ephemeral', '--listen', '127.0.0.141:0', '--http', '0.0.0.0:0'],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 1 or 'needs a token' not in result.stderr:
        fail(f'node --http 0.0.0.0:0 without --token: {result.returncode} {result.stderr!r}')
    result = subprocess.run([TOOL, 'node', '--ephemeral', '--http', 'nonsense:port'],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 1 or '--http' not in result.stderr:
        fail(f'node --http nonsense: {result.returncode} {result.stderr!r}')


def check_token_required(node):
    api = f'http://127.0.0.1:{node.port}'
    bearer = {'Authorization': f'Bearer {TOKEN}'}
    quoted = GLib.Uri.escape_string(TOKEN, None, False)
    for path in ('/api/status', '/api/peers', '/api/cache'):
        missing = request(f'{api}{path}')
        wrong = request(f'{api}{path}', headers={'Authorization': 'Bearer nope'})
        short = request(f'{api}{path}', headers={'Authorization': f'Bearer {TOKEN[:-1]}'})
        if {missing.status, wrong.status, short.status} != {401} \
                or not missing.header('WWW-Authenticate').startswith('Bearer') \
                or missing.json()['error'] != 'unauthorized':
            fail(f'{path} without the right token: {missing.status} {wrong.status} {short.status}')
        if request(f'{api}{path}', headers=bearer).status != 200:
            fail(f'{path} with the Bearer token')
        if request(f'{api}{path}?token={quoted}').status != 200:
            fail(f'{path} with ?token=')
    # A token replaces the loopback-host guard: other hosts may use any name.
    named = dict(bearer, Host=f'node.example:{node.port}')
    if request(f'{api}/api/status', headers=named).status != 200:
        fail('a token holder with another Host name was refused')
    if request(f'{api}/').status != 200 or request(f'{api}/dashboard.js').status != 200:
        fail('the dashboard files need no token')

    refused = EventStream(f'{api}/api/events')
    if refused.error is None:
        fail('a WebSocket without the token was accepted')
    stream = EventStream(f'{api}/api/events?token={quoted}')
    if stream.error is not None:
        fail(f'a WebSocket with ?token=: {stream.error.message}')
    stream.wait('hello', 'hello with the token')
    stream.close()


def check_tool_passes_token(node):
    api = f'http://127.0.0.1:{node.port}'
    result = subprocess.run([TOOL, 'status', '--api', api], capture_output=True, text=True,
                            timeout=30)
    if result.returncode != 1 or '401' not in result.stderr or '--token' not in result.stderr:
        fail(f'status without --token: {result.returncode} {result.stderr!r}')
    result = subprocess.run([TOOL, 'status', '--api', api, '--token', TOKEN, '--json'],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0 or json.loads(result.stdout)['id'] != node.ready['id']:
        fail(f'status --token --json: {result.returncode} {result.stdout!r} {result.stderr!r}')
    result = subprocess.run([TOOL, 'status', '--api', api, '--token', TOKEN],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0 or node.ready['id'] not in result.stdout \
            or 'NAT type' not in result.stdout:
        fail(f'status --token: {result.returncode} {result.stdout!r}')
    result = subprocess.run([TOOL, 'peers', '--api', api, '--token', TOKEN],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0 or result.stdout.strip() != 'no connected peers':
        fail(f'peers --token: {result.returncode} {result.stdout!r}')


def main():
    check_listen_rules()
    check_node_refuses()
    node = Node(TOOL, '127.0.0.142', '--http', '0.0.0.0:0', '--token', TOKEN)
    try:
        if node.http['url'] != f'http://0.0.0.0:{node.port}/':
            fail(f'the http event: {node.http}')
        check_token_required(node)
        check_tool_passes_token(node)
    finally:
        node.stop()
    print('token rule: listen refusals, 401 without it, Bearer and ?token=, files without')


main()
