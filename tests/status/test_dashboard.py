#!/usr/bin/python3
# test_dashboard.py: the dashboard of "srp-tool node --http" in headless
# Chromium, as a person meets it. The page loads with no console error,
# lists the node's peer with the address, NAT type and path the API gives,
# shows a peer that joins (and one that comes and goes) without a reload,
# draws traffic, reconnects its WebSocket when it drops and then still
# follows the peers. A screenshot is saved in the build directory.
#
# usage: test_dashboard.py SRP_TOOL SCREENSHOT_DIR [CHROMIUM]
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cdp import Browser, ProtocolError
from status_testing import Node, fail, get_json

TOOL, SHOTS = sys.argv[1], sys.argv[2]
CHROMIUM = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else shutil.which('chromium')
ADDRESS = '127.0.0.151'


def until(browser, session, condition, what, seconds=20, must=True):
    """Resolves, in the page, once condition (a JS expression) is truthy:
    checked on every change of the document, not by sleeping. Without must,
    None when the time runs out."""
    script = f'''new Promise((resolve, reject) => {{
      const check = () => {{
        const value = ({condition});
        if (!value) return false;
        observer.disconnect(); clearTimeout(timer); resolve(value); return true;
      }};
      const observer = new MutationObserver(check);
      const timer = setTimeout(() => {{
        observer.disconnect(); reject(new Error({json.dumps('timed out: ' + what)}));
      }}, {seconds * 1000});
      if (!check())
        observer.observe(document.documentElement,
                         {{ subtree: true, childList: true, characterData: true,
                            attributes: true }});
    }})'''
    try:
        return browser.evaluate(session, script, timeout=seconds + 10)
    except ProtocolError as error:
        if must:
            fail(f'{what}: {error}')
        return None


def row(peer_id):
    return f'''(() => {{
      const row = document.querySelector('#peers tbody tr[data-id="{peer_id}"]');
      return row && [...row.cells].map((cell) => cell.textContent);
    }})()'''


def row_ids():
    return "[...document.querySelectorAll('#peers tbody tr')].map((r) => r.dataset.id).sort()"


def console_errors(browser):
    errors = []
    for event in browser.all_events:
        method, params = event['method'], event.get('params', {})
        if method == 'Runtime.exceptionThrown':
            errors.append(params['exceptionDetails'].get('text', 'an exception'))
        elif method == 'Runtime.consoleAPICalled' and params['type'] in ('error', 'assert'):
            errors.append(' '.join(str(a.get('value', a.get('description')))
                                   for a in params['args']))
        elif method == 'Log.entryAdded' and params['entry']['level'] == 'error':
            errors.append(f'{params["entry"]["source"]}: {params["entry"]["text"]}')
    return errors


def check_row(browser, session, node, peer_id):
    """The row shows what the API says. A peer's NAT type may be learnt
    between reading the two, so the page gets a moment to follow the
    API's latest (it follows peer-changed events)."""
    for _ in range(3):
        peer = {p['id']: p for p in get_json(f'{node.api}/api/peers')['peers']}[peer_id]
        wanted = json.dumps([peer['address'], peer['nat_type'], peer['path']],
                            separators=(',', ':'))
        cells = until(browser, session,
                      f'(() => {{ const c = {row(peer_id)};'
                      f' return c && JSON.stringify(c.slice(1, 4)) === {json.dumps(wanted)} && c; }})()',
                      f'the row of {peer_id[:8]} as the API has it', seconds=5, must=False)
        if cells is not None:
            if not cells[0].startswith(peer_id[:8]):
                fail(f'the row of {peer_id[:8]} shows the ID {cells[0]}')
            return
    fail(f'the row of {peer_id[:8]} shows {until(browser, session, row(peer_id), "the row")}; '
         f'the API says {peer}')


def main():
    if CHROMIUM is None:
        print('SKIP: chromium is not installed (Debian package chromium)')
        sys.exit(77)
    os.makedirs(SHOTS, exist_ok=True)
    node = Node(TOOL, ADDRESS, '--http', '127.0.0.1:0')
    bootstrap = f'{ADDRESS}:{node.ready["port"]}'
    others = []
    profile = tempfile.mkdtemp(prefix='srp-dashboard-')
    browser = None
    try:
        first = Node(TOOL, '127.0.0.152', '--bootstrap', bootstrap, '--http', '127.0.0.1:0')
        others.append(first)
        node.next_event('peer-added')

        browser = Browser(CHROMIUM, profile, os.path.join(SHOTS, 'chromium.log'))
        session = browser.open_page()
        for domain in ('Runtime', 'Log', 'Page'):
            browser.send(f'{domain}.enable', session=session)
        browser.send('Emulation.setDeviceMetricsOverride',
                     {'width': 1280, 'height': 1300, 'deviceScaleFactor': 1, 'mobile': False},
                     session)
        browser.send('Page.navigate', {'url': node.http['url']}, session)
        browser.wait_event('Page.loadEventFired', session)

        until(browser, session, "document.getElementById('link').dataset.state === 'live'",
              'the event stream to be live')
        until(browser, session, row(first.ready['id']), 'the first peer listed')
        check_row(browser, session, node, first.ready['id'])
        if until(browser, session, "document.getElementById('peer-id').title",
                 'the node ID') != node.ready['id']:
            fail('the page shows another node ID')

        # A peer that sends a letter and leaves: its row comes and goes, the
        # letter shows among the messages and in the traffic.
        sent = subprocess.run([TOOL, 'send', '--bootstrap', bootstrap, node.ready['id'],
                               'hello dashboard'], capture_output=True, text=True, timeout=60)
        if sent.returncode != 0:
            fail(f'srp-tool send: {sent.stderr}')
        until(browser, session, "document.querySelectorAll('#messages li').length >= 1",
              'the letter among the messages')
        text = until(browser, session, "document.getElementById('messages').textContent",
                     'the messages list')
        if 'letter to this peer' not in text or 'hello dashboard' in text:
            fail(f'the messages list reads {text!r}')

        second = Node(TOOL, '127.0.0.153', '--bootstrap', bootstrap)
        others.append(second)
        until(browser, session, row(second.ready['id']), 'the newcomer listed')
        check_row(browser, session, node, second.ready['id'])
        expected = sorted([first.ready['id'], second.ready['id']])
        # The sender's row is gone again, the two that stayed are listed.
        wanted = json.dumps(json.dumps(expected, separators=(',', ':')))
        until(browser, session, f'JSON.stringify({row_ids()}) === {wanted}',
              'exactly the two peers that stayed', seconds=30)
        until(browser, session, "document.getElementById('peer-count').textContent === '2'",
              'the count of peers')
        until(browser, session, 'state.samples.length >= 3', 'traffic samples drawn')
        # The node subscribes to nothing and asked for no connection: said so,
        # from /api/topics and /api/stats.
        for section, expected in (('topics', 'No topic is subscribed.'),
                                  ('connects', 'No connection was attempted yet.')):
            shown = until(browser, session, f"document.getElementById('{section}').textContent",
                          section)
            if shown != expected:
                fail(f'{section} reads {shown!r}, not {expected!r}')

        shot = browser.send('Page.captureScreenshot', {'format': 'png'}, session)
        path = os.path.join(SHOTS, 'dashboard.png')
        with open(path, 'wb') as f:
            f.write(base64.b64decode(shot['data']))

        # The WebSocket drops: the page says so, comes back, and follows again.
        states = browser.evaluate(session, '''new Promise((resolve) => {
          const link = document.getElementById('link'), seen = [];
          const observer = new MutationObserver(() => {
            seen.push(link.dataset.state);
            if (seen.includes('connecting') && link.dataset.state === 'live') {
              observer.disconnect();
              resolve(seen);
            }
          });
          observer.observe(link, { attributes: true });
          socket.close();
        })''')
        if 'connecting' not in states:
            fail(f'the link went {states}')
        second.stop()
        others.remove(second)
        until(browser, session, f'!{row(second.ready["id"])}', 'the departed peer gone')

        errors = console_errors(browser)
        if errors:
            fail(f'console errors: {errors}')
        print(f'dashboard: peers listed and followed, reconnected; screenshot {path}')
    finally:
        if browser is not None:
            browser.close()
        for other in others:
            other.stop()
        node.stop()
        shutil.rmtree(profile, ignore_errors=True)


main()
