# chat_files.py: files between the people in a room, over libsrp streams.
# No GTK here: the window shows Transfer objects (name, progress, state) in
# a list, and asks Transfers to send.
#
# A file travels on its own SrpStream labelled "file:SIZE:NAME" (the size
# first, so the receiver can show progress; NAME without directories). The
# receiver saves it in its downloads directory, under a new name when that
# one is taken, and reads until the end of the stream: a stream that ends
# early or breaks fails the transfer, and what was written is removed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, GObject  # noqa: E402

CHUNK = 64 * 1024
LABEL_PREFIX = 'file:'


class Transfer(GObject.Object):
    """One file on its way, to or from a peer."""
    __gtype_name__ = 'SrpChatTransfer'

    name = GObject.Property(type=str, default='')
    peer_id = GObject.Property(type=str, default='')
    outgoing = GObject.Property(type=bool, default=False)
    size = GObject.Property(type=GObject.TYPE_UINT64, default=0)
    done = GObject.Property(type=GObject.TYPE_UINT64, default=0)
    # 'sending', 'receiving', 'sent', 'received' or 'failed: WHY'
    state = GObject.Property(type=str, default='')
    path = GObject.Property(type=str, default='')

    @property
    def fraction(self):
        return 1.0 if self.props.size == 0 else self.props.done / self.props.size

    def _fail(self, error):
        self.props.state = f'failed: {error.message if hasattr(error, "message") else error}'


def _parse_label(label):
    """(size, name) from a stream label, or None when it is not a file."""
    if not label or not label.startswith(LABEL_PREFIX):
        return None
    size, _, name = label[len(LABEL_PREFIX):].partition(':')
    name = os.path.basename(name)
    if not size.isdigit() or not name or name in ('.', '..'):
        return None
    return int(size), name


def _free_path(directory, name):
    """directory/name, or directory/name (n) when that exists."""
    stem, extension = os.path.splitext(name)
    path, n = os.path.join(directory, name), 1
    while os.path.exists(path):
        path = os.path.join(directory, f'{stem} ({n}){extension}')
        n += 1
    return path


class Transfers(GObject.Object):
    """The room's transfers (a Gio.ListStore of Transfer), newest last."""
    __gtype_name__ = 'SrpChatTransfers'

    def __init__(self, peer, downloads):
        super().__init__()
        self.peer = peer
        self.downloads = downloads
        self.list = Gio.ListStore.new(Transfer)
        self._streams = {}  # Transfer -> SrpStream: a stream lives while its transfer runs
        peer.connect('incoming-stream', self._on_incoming)

    # ---- sending ----------------------------------------------------------------------

    def send(self, peer_id, path):
        """Starts sending the file at path to peer_id; returns its Transfer."""
        transfer = Transfer(name=os.path.basename(path), peer_id=peer_id, outgoing=True,
                            size=os.path.getsize(path), state='sending', path=path)
        self.list.append(transfer)
        label = f'{LABEL_PREFIX}{transfer.props.size}:{transfer.props.name}'
        self.peer.open_stream_async(peer_id, label, None, self._on_opened, transfer)
        return transfer

    def _on_opened(self, peer, result, transfer):
        try:
            stream = peer.open_stream_finish(result)
            source = Gio.File.new_for_path(transfer.props.path).read(None)
        except GLib.Error as error:
            transfer._fail(error)
            return
        self._streams[transfer] = stream
        self._send_chunk(transfer, stream, source)

    def _send_chunk(self, transfer, stream, source):
        def on_read(_source, result):
            try:
                data = source.read_bytes_finish(result)
            except GLib.Error as error:
                self._finish(transfer, error)
                return
            if data.get_size() == 0:  # the whole file: end the stream, wait for its ACKs
                stream.get_output_stream().close_async(GLib.PRIORITY_DEFAULT, None, on_closed)
                return
            stream.get_output_stream().write_bytes_async(data, GLib.PRIORITY_DEFAULT, None,
                                                         on_written, data.get_size())

        def on_written(output, result, expected):
            try:
                written = output.write_bytes_finish(result)
            except GLib.Error as error:
                self._finish(transfer, error)
                return
            transfer.props.done += written
            if written < expected:  # a short write: the rest goes again from the file
                source.seek(transfer.props.done, GLib.SeekType.SET, None)
            self._send_chunk(transfer, stream, source)

        def on_closed(output, result):
            try:
                output.close_finish(result)
            except GLib.Error as error:
                self._finish(transfer, error)
                return
            self._finish(transfer, None, 'sent')

        source.read_bytes_async(CHUNK, GLib.PRIORITY_DEFAULT, None, on_read)

    # ---- receiving --------------------------------------------------------------------

    def _on_incoming(self, _peer, stream):
        parsed = _parse_label(stream.props.label)
        if parsed is None:
            return False  # not ours: another handler (or none) may take it
        size, name = parsed
        os.makedirs(self.downloads, exist_ok=True)
        path = _free_path(self.downloads, name)
        try:
            sink = Gio.File.new_for_path(path).create(Gio.FileCreateFlags.NONE, None)
        except GLib.Error:
            return False  # refused: the sender hears CONNECTION_REFUSED
        transfer = Transfer(name=os.path.basename(path), peer_id=stream.props.peer_id,
                            size=size, state='receiving', path=path)
        self.list.append(transfer)
        self._streams[transfer] = stream
        self._receive_chunk(transfer, stream, sink)
        return True

    def _receive_chunk(self, transfer, stream, sink):
        def on_read(input_stream, result):
            try:
                data = input_stream.read_bytes_finish(result)
            except GLib.Error as error:
                self._abandon(transfer, sink, error)
                return
            if data.get_size() == 0:
                if transfer.props.done != transfer.props.size:
                    self._abandon(transfer, sink, f'the stream ended after {transfer.props.done} '
                                                  f'of {transfer.props.size} bytes')
                    return
                sink.close(None)
                self._finish(transfer, None, 'received')
                return
            sink.write_bytes_async(data, GLib.PRIORITY_DEFAULT, None, on_written)

        def on_written(output, result):
            try:
                transfer.props.done += output.write_bytes_finish(result)
            except GLib.Error as error:
                self._abandon(transfer, sink, error)
                return
            self._receive_chunk(transfer, stream, sink)

        stream.get_input_stream().read_bytes_async(CHUNK, GLib.PRIORITY_DEFAULT, None, on_read)

    def _abandon(self, transfer, sink, error):
        sink.close(None)
        try:
            os.unlink(transfer.props.path)
        except OSError:
            pass
        self._finish(transfer, error)

    def _finish(self, transfer, error, state=None):
        if error is not None:
            transfer._fail(error)
        else:
            transfer.props.state = state
        self._streams.pop(transfer, None)
