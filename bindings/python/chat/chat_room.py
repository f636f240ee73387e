# chat_room.py: the network side of srp-chat: one libsrp peer, one topic,
# and the room's history as a Gio.ListStore that a GtkListView shows. No GTK
# here, so the same room could back another front end.
#
# A chat line travels as JSON: {"v": 1, "from": NAME, "text": TEXT,
# "sent": UNIX_MS}. The topic delivers each message once, in whatever order
# messages complete, including those published while this peer was away
# (from other peers' caches), so the history is kept sorted by "sent".
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import time

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, GObject, Srp  # noqa: E402

from chat_files import Transfers  # noqa: E402


class ChatLine(GObject.Object):
    """One line of the history."""
    __gtype_name__ = 'SrpChatLine'

    author = GObject.Property(type=str, default='')
    text = GObject.Property(type=str, default='')
    sent = GObject.Property(type=GObject.TYPE_INT64, default=0)  # Unix milliseconds
    message_id = GObject.Property(type=str, default='')
    mine = GObject.Property(type=bool, default=False)

    def __init__(self, **properties):
        super().__init__(**properties)


def _default_downloads():
    return (GLib.get_user_special_dir(GLib.UserDirectory.DIRECTORY_DOWNLOAD)
            or GLib.build_filenamev([GLib.get_home_dir(), 'Downloads']))


def _compare(a, b, _data=None):
    return (a.props.sent > b.props.sent) - (a.props.sent < b.props.sent)


class ChatRoom(GObject.Object):
    """A peer subscribed to one topic, and what was said there."""
    __gtype_name__ = 'SrpChatRoom'

    online = GObject.Property(type=bool, default=False)

    def __init__(self, topic, name, listen=None, bootstraps=(), key_file=None, downloads=None):
        super().__init__()
        self.name = name
        self.history = Gio.ListStore.new(ChatLine)
        self._seen = set()
        self.peer = Srp.Peer.new_with_key_file(key_file) if key_file else Srp.Peer.new()
        for bootstrap in bootstraps:
            host, _, port = bootstrap.rpartition(':')
            self.peer.add_bootstrap(host.strip('[]'), int(port))
        # Subscribed before listening: nothing sent meanwhile is missed.
        self.topic = self.peer.subscribe(topic)
        self.topic.connect('message', self._on_message)
        self._address, self._port = listen if listen else (None, 0)
        # Files to and from the people here, each over its own stream.
        self.transfers = Transfers(self.peer, downloads or _default_downloads())

    def go_online(self):
        self.peer.listen(self._address, self._port)
        self.props.online = True

    def go_offline(self):
        """Closes the peer; the topic stays subscribed, and what is published
        meanwhile comes back from other peers' caches on go_online."""
        self.peer.close()
        self.props.online = False

    def post(self, text):
        """Publishes a line; it shows in the history at once."""
        sent = int(time.time() * 1000)
        body = json.dumps({'v': 1, 'from': self.name, 'text': text, 'sent': sent})
        message_id = self.topic.publish(GLib.Bytes.new(body.encode()))
        self._add(ChatLine(author=self.name, text=text, sent=sent, message_id=message_id,
                           mine=True))
        return message_id

    def _on_message(self, _topic, message):
        try:
            line = json.loads(message.props.data.get_data().decode())
            author, text, sent = str(line['from']), str(line['text']), int(line['sent'])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return  # not a chat line: anyone may publish on a topic
        self._add(ChatLine(author=author, text=text, sent=sent, message_id=message.props.id))

    def _add(self, line):
        if line.props.message_id in self._seen:
            return
        self._seen.add(line.props.message_id)
        self.history.insert_sorted(line, _compare)
