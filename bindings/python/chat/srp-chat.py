#!/usr/bin/python3
# srp-chat: a chat room on a libsrp topic, with GTK 4 and libadwaita.
#
#   srp-chat.py --bootstrap HOST:PORT [--topic NAME] [--name NAME]
#               [--listen ADDRESS:PORT] [--key FILE] [--status PORT]
#               [--downloads DIR]
#
# Everyone who opens the same topic is in the same room. The window lists
# the peers this one is connected to, with their NAT type and whether the
# path is direct or relayed. Close it and come back later: what was said
# meanwhile comes back from other peers' caches and fills in the history
# in the order it was written. Each peer row has a button to send that peer a
# file (over a libsrp stream, with a progress bar on both sides; received
# files go to --downloads, by default the Downloads folder). --status serves the libsrp dashboard of this
# peer on 127.0.0.1:PORT.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import argparse
import getpass
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gi  # noqa: E402

gi.require_version('Gtk', '4.0')
gi.require_version('Adw', '1')
gi.require_version('Srp', '1')
from gi.repository import Adw, Gio, Srp  # noqa: E402

from chat_room import ChatRoom  # noqa: E402
from chat_window import ChatWindow  # noqa: E402


def parse_arguments():
    parser = argparse.ArgumentParser(description='A chat room on a libsrp topic.')
    parser.add_argument('--topic', default='srp-chat/lobby', help='the room (a topic name)')
    parser.add_argument('--name', default=getpass.getuser(), help='your name in the room')
    parser.add_argument('--bootstrap', action='append', default=[], metavar='HOST:PORT',
                        help='a peer of the network; repeat for more')
    parser.add_argument('--listen', metavar='ADDRESS:PORT', help='where this peer listens')
    parser.add_argument('--key', metavar='FILE', help='keep the peer identity in FILE')
    parser.add_argument('--status', type=int, metavar='PORT',
                        help='serve the libsrp dashboard on 127.0.0.1:PORT (0: any free port)')
    parser.add_argument('--downloads', metavar='DIR',
                        help='where received files go (default: your Downloads folder)')
    parser.add_argument('--test-control', action='store_true',
                        help='take commands on stdin (for the tests; see chat_control.py)')
    return parser.parse_args()


class ChatApplication(Adw.Application):
    def __init__(self, arguments):
        # NON_UNIQUE: several rooms (and the tests' two windows) at once.
        super().__init__(application_id='org.libsrp.Chat',
                         flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.arguments = arguments
        self.status_server = None
        self.control = None

    def do_activate(self):
        arguments = self.arguments
        listen = None
        if arguments.listen:
            host, _, port = arguments.listen.rpartition(':')
            listen = (host.strip('[]') or None, int(port))
        room = ChatRoom(arguments.topic, arguments.name, listen, arguments.bootstrap,
                        arguments.key, arguments.downloads)
        window = ChatWindow(self, room)
        if arguments.test_control:
            import chat_control
            self.control = chat_control.start(window)
        room.go_online()
        if arguments.status is not None:
            self.status_server = Srp.StatusServer.new(room.peer)
            self.status_server.listen(None, arguments.status)
            print(f'dashboard: {self.status_server.get_url()}', file=sys.stderr)
        window.present()


def main():
    arguments = parse_arguments()
    application = ChatApplication(arguments)
    return application.run([sys.argv[0]])


if __name__ == '__main__':
    sys.exit(main())
