# chat_window.py: the window of srp-chat: the peers this one is connected to
# (a GtkListView straight on Srp.Peer.get_peers(), with each peer's NAT type
# and path, and a button to send it a file), the room's history, an entry to
# post, and the files on their way with their progress.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import datetime

import gi

gi.require_version('Gtk', '4.0')
gi.require_version('Adw', '1')
from gi.repository import Adw, GLib, Gtk, Pango  # noqa: E402

CSS = b'''
.peer-id { font-family: monospace; }
.path-direct { color: @success_color; }
.path-relayed { color: @warning_color; }
.author { font-weight: bold; }
.chat-line { padding: 6px 12px; }
'''


def _label(css_class=None, xalign=0.0, **kwargs):
    label = Gtk.Label(xalign=xalign, **kwargs)
    if css_class:
        label.add_css_class(css_class)
    return label


class PeerRow(Gtk.Box):
    """A connected peer: its ID, NAT type, path and round-trip time, kept up
    to date while the row shows it (a relayed peer may become direct), and a
    button that sends it a file."""

    def __init__(self, on_send_file):
        super().__init__(orientation=Gtk.Orientation.VERTICAL, spacing=2,
                         margin_top=6, margin_bottom=6, margin_start=12, margin_end=12)
        self.id_label = _label('peer-id', ellipsize=Pango.EllipsizeMode.MIDDLE)
        details = Gtk.Box(spacing=8)
        self.nat_label = _label('dim-label')
        self.path_label = _label()
        self.rtt_label = _label('dim-label')
        details.append(self.nat_label)
        details.append(self.path_label)
        details.append(self.rtt_label)
        self.send_button = Gtk.Button(icon_name='document-send-symbolic',
                                      tooltip_text='Send a file', halign=Gtk.Align.END,
                                      hexpand=True)
        self.send_button.add_css_class('flat')
        self.send_button.connect('clicked', lambda _b: on_send_file(self.info.props.id))
        details.append(self.send_button)
        self.append(self.id_label)
        self.append(details)
        self.info = None
        self._handler = 0

    def bind(self, info):
        self.info = info
        self._handler = info.connect('notify', lambda *_: self._update())
        self._update()

    def unbind(self):
        if self.info is not None:
            self.info.disconnect(self._handler)
        self.info = None

    def _update(self):
        info = self.info
        self.id_label.set_label(info.props.id[:16])
        self.id_label.set_tooltip_text(f'{info.props.id}\n{info.props.address}')
        self.nat_label.set_label(info.props.nat_type.value_nick)
        path = info.props.path.value_nick
        self.path_label.set_label(path)
        for css in ('path-direct', 'path-relayed'):
            self.path_label.remove_css_class(css)
        self.path_label.add_css_class(f'path-{path}')
        rtt = info.props.rtt
        self.rtt_label.set_label(f'{rtt / 1000:.1f} ms' if rtt >= 0 else '')


class LineRow(Gtk.Box):
    """A line of the history: who, when, what."""

    def __init__(self):
        super().__init__(orientation=Gtk.Orientation.VERTICAL, spacing=2)
        self.add_css_class('chat-line')
        head = Gtk.Box(spacing=8)
        self.author_label = _label('author')
        self.time_label = _label('dim-label')
        head.append(self.author_label)
        head.append(self.time_label)
        self.text_label = _label(wrap=True, selectable=True)
        self.append(head)
        self.append(self.text_label)

    def bind(self, line):
        self.author_label.set_label(line.props.author + (' (you)' if line.props.mine else ''))
        when = datetime.datetime.fromtimestamp(line.props.sent / 1000)
        self.time_label.set_label(when.strftime('%H:%M:%S'))
        self.text_label.set_label(line.props.text)


class TransferRow(Gtk.Box):
    """A file on its way: its name, to or from whom, and how far it got."""

    def __init__(self):
        super().__init__(orientation=Gtk.Orientation.VERTICAL, spacing=2,
                         margin_top=4, margin_bottom=4, margin_start=12, margin_end=12)
        self.name_label = _label(ellipsize=Pango.EllipsizeMode.MIDDLE)
        self.state_label = _label('dim-label')
        self.progress = Gtk.ProgressBar()
        self.append(self.name_label)
        self.append(self.progress)
        self.append(self.state_label)
        self.transfer = None
        self._handler = 0

    def bind(self, transfer):
        self.transfer = transfer
        self._handler = transfer.connect('notify', lambda *_: self._update())
        self._update()

    def unbind(self):
        if self.transfer is not None:
            self.transfer.disconnect(self._handler)
        self.transfer = None

    def _update(self):
        t = self.transfer
        arrow = 'to' if t.props.outgoing else 'from'
        self.name_label.set_label(f'{t.props.name} {arrow} {t.props.peer_id[:8]}')
        self.progress.set_fraction(t.fraction)
        self.state_label.set_label(f'{t.props.state} · {t.props.done:,} of {t.props.size:,} bytes')


def _factory(row_type, *arguments):
    factory = Gtk.SignalListItemFactory()
    factory.connect('setup', lambda _f, item: item.set_child(row_type(*arguments)))
    factory.connect('bind', lambda _f, item: item.get_child().bind(item.get_item()))
    if row_type in (PeerRow, TransferRow):
        factory.connect('unbind', lambda _f, item: item.get_child().unbind())
    return factory


class ChatWindow(Adw.ApplicationWindow):
    def __init__(self, application, room):
        super().__init__(application=application, default_width=900, default_height=600)
        self.room = room
        provider = Gtk.CssProvider()
        provider.load_from_data(CSS)
        Gtk.StyleContext.add_provider_for_display(self.get_display(), provider,
                                                  Gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)

        self.title = Adw.WindowTitle(title=f'#{room.topic.props.name}')
        header = Adw.HeaderBar(title_widget=self.title)

        peers = room.peer.get_peers()
        self.peer_list = Gtk.ListView(model=Gtk.NoSelection(model=peers),
                                      factory=_factory(PeerRow, self.choose_file_for))
        self.peer_list.add_css_class('navigation-sidebar')
        self.peer_list.update_property([Gtk.AccessibleProperty.LABEL], ['Connected peers'])
        self.you_label = _label('dim-label', margin_start=12, margin_top=6, margin_bottom=6,
                                wrap=True)
        sidebar = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, width_request=280)
        sidebar.append(_label('heading', label='Peers', margin_start=12, margin_top=12))
        sidebar.append(self.you_label)
        sidebar.append(Gtk.ScrolledWindow(child=self.peer_list, vexpand=True,
                                          hscrollbar_policy=Gtk.PolicyType.NEVER))
        self.transfer_list = Gtk.ListView(model=Gtk.NoSelection(model=room.transfers.list),
                                          factory=_factory(TransferRow))
        self.transfer_list.update_property([Gtk.AccessibleProperty.LABEL], ['Files'])
        sidebar.append(_label('heading', label='Files', margin_start=12, margin_top=12))
        sidebar.append(Gtk.ScrolledWindow(child=self.transfer_list, min_content_height=120,
                                          hscrollbar_policy=Gtk.PolicyType.NEVER))

        self.history_list = Gtk.ListView(model=Gtk.NoSelection(model=room.history),
                                         factory=_factory(LineRow))
        self.history_list.update_property([Gtk.AccessibleProperty.LABEL], ['Messages'])
        self.entry = Gtk.Entry(hexpand=True, placeholder_text=f'Message #{room.topic.props.name}')
        self.entry.connect('activate', self._on_send)
        send = Gtk.Button(label='Send')
        send.add_css_class('suggested-action')
        send.connect('clicked', self._on_send)
        composer = Gtk.Box(spacing=6, margin_top=6, margin_bottom=6, margin_start=6,
                           margin_end=6)
        composer.append(self.entry)
        composer.append(send)
        chat = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, hexpand=True)
        chat.append(Gtk.ScrolledWindow(child=self.history_list, vexpand=True,
                                       hscrollbar_policy=Gtk.PolicyType.NEVER))
        chat.append(composer)

        panes = Gtk.Box()
        panes.append(sidebar)
        panes.append(Gtk.Separator(orientation=Gtk.Orientation.VERTICAL))
        panes.append(chat)
        self.toasts = Adw.ToastOverlay(child=panes)
        content = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        content.append(header)
        content.append(self.toasts)
        self.set_content(content)

        peers.connect('items-changed', lambda *_: self._update_subtitle())
        room.peer.connect('notify::nat-type', lambda *_: self._update_subtitle())
        room.connect('notify::online', lambda *_: self._update_subtitle())
        self._update_subtitle()

    def choose_file_for(self, peer_id):
        """Asks which file to send to peer_id, then sends it."""
        chooser = Gtk.FileChooserNative(title='Send a file', transient_for=self,
                                        action=Gtk.FileChooserAction.OPEN)

        def on_response(dialog, response):
            if response == Gtk.ResponseType.ACCEPT:
                self.send_file(peer_id, dialog.get_file().get_path())
            dialog.destroy()
        chooser.connect('response', on_response)
        chooser.show()
        self._chooser = chooser  # kept until it answers

    def send_file(self, peer_id, path):
        try:
            return self.room.transfers.send(peer_id, path)
        except OSError as error:
            self.toasts.add_toast(Adw.Toast(title=f'Not sent: {error.strerror}'))
            return None

    def _update_subtitle(self):
        peer = self.room.peer
        n = peer.get_peers().get_n_items()
        state = f'{n} peer{"" if n == 1 else "s"}' if self.room.props.online else 'offline'
        self.title.set_subtitle(state)
        self.you_label.set_label(f'You: {peer.props.id[:16]} · NAT {peer.props.nat_type.value_nick}')

    def _on_send(self, _widget):
        text = self.entry.get_text().strip()
        if not text:
            return
        try:
            self.room.post(text)
        except GLib.Error as error:
            self.toasts.add_toast(Adw.Toast(title=f'Not sent: {error.message}'))
            return
        self.entry.set_text('')
