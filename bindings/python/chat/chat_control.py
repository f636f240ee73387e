# chat_control.py: srp-chat's test mode (--test-control). Commands come one
# per line on stdin and are answered with one JSON line on stdout, so that a
# test can drive two windows as a person would (typing into the entry and
# pressing Enter) and read back what the windows show: the labels of the
# row widgets GTK made, checked on each frame of the window's frame clock,
# not after a sleep.
#
#   post TEXT            type TEXT into the entry and activate it
#   wait-line TEXT       answer once a history row shows TEXT: {"author": ..}
#   wait-peers N         answer once the peer list shows N rows
#   peers                the peer rows as shown: [{"id", "nat", "path"}]
#   send-file ID PATH    send the file at PATH to the peer whose row shows ID,
#                        as its button would once a file is chosen
#   wait-file NAME       answer once a file row for NAME shows a full progress
#                        bar and its end: {"state", "fraction", "path"}
#   offline / online     close the peer / listen again
#   screenshot PATH      render the window to PATH (PNG) with GTK's renderer
#   quit
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import ctypes
import json
import sys

from gi.repository import Gio, GLib

from chat_window import LineRow, PeerRow, TransferRow


def _rows(list_view, row_type):
    """The row widgets a list view shows now (mapped, so on screen)."""
    found = []
    stack = [list_view]
    while stack:
        widget = stack.pop()
        if isinstance(widget, row_type) and widget.get_mapped():
            found.append(widget)
        child = widget.get_first_child()
        while child is not None:
            stack.append(child)
            child = child.get_next_sibling()
    return found


def _pointer(obj):
    """The C pointer of a PyGObject wrapper."""
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get(obj.__gpointer__, None)


def _render_to_png(widget, width, height, path):
    """Renders widget with GTK's own renderer, as it is on screen, to a PNG;
    False when the widget has drawn nothing yet. PyGObject 3.42 cannot hold
    the GskRenderNode this takes, so the few calls go to libgtk directly."""
    gtk = ctypes.CDLL('libgtk-4.so.1')
    for name, result, arguments in (
            ('gtk_widget_paintable_new', ctypes.c_void_p, [ctypes.c_void_p]),
            ('gtk_snapshot_new', ctypes.c_void_p, []),
            ('gdk_paintable_snapshot', None,
             [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double, ctypes.c_double]),
            ('gtk_snapshot_free_to_node', ctypes.c_void_p, [ctypes.c_void_p]),
            ('gtk_native_get_renderer', ctypes.c_void_p, [ctypes.c_void_p]),
            ('gsk_renderer_render_texture', ctypes.c_void_p,
             [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
            ('gdk_texture_save_to_png', ctypes.c_bool, [ctypes.c_void_p, ctypes.c_char_p]),
            ('gsk_render_node_unref', None, [ctypes.c_void_p]),
            ('g_object_unref', None, [ctypes.c_void_p])):
        function = getattr(gtk, name)
        function.restype, function.argtypes = result, arguments
    window = _pointer(widget)
    paintable = gtk.gtk_widget_paintable_new(window)
    snapshot = gtk.gtk_snapshot_new()
    gtk.gdk_paintable_snapshot(paintable, snapshot, width, height)
    node = gtk.gtk_snapshot_free_to_node(snapshot)
    gtk.g_object_unref(paintable)
    if not node:  # nothing drawn yet
        return False
    texture = gtk.gsk_renderer_render_texture(gtk.gtk_native_get_renderer(window), node, None)
    saved = gtk.gdk_texture_save_to_png(texture, path.encode())
    gtk.g_object_unref(texture)
    gtk.gsk_render_node_unref(node)
    if not saved:
        raise OSError(f'could not write {path}')
    return True


class Control:
    def __init__(self, window):
        self.window = window
        self.stream = Gio.DataInputStream.new(Gio.UnixInputStream.new(0, False))
        self._read()

    def _reply(self, **fields):
        print(json.dumps(fields), flush=True)

    def _read(self):
        self.stream.read_line_async(GLib.PRIORITY_DEFAULT, None, self._on_line)

    def _on_line(self, stream, result):
        line, _length = stream.read_line_finish_utf8(result)
        if line is None:  # the test went away
            self.window.get_application().quit()
            return
        command, _, argument = line.partition(' ')
        getattr(self, 'do_' + command.replace('-', '_'), self.do_unknown)(argument)
        self._read()

    def _when(self, condition, answer):
        """Answers once condition() holds, looking on every frame."""
        def tick(_widget, _clock):
            value = condition()
            if value is None:
                return GLib.SOURCE_CONTINUE
            answer(value)
            return GLib.SOURCE_REMOVE
        self.window.add_tick_callback(tick)

    def do_unknown(self, argument):
        self._reply(error='unknown command')

    def do_post(self, text):
        self.window.entry.set_text(text)
        self.window.entry.emit('activate')
        self._reply(posted=text, entry=self.window.entry.get_text())

    def do_wait_line(self, text):
        def shown():
            for row in _rows(self.window.history_list, LineRow):
                if row.text_label.get_label() == text:
                    return row.author_label.get_label()
            return None
        self._when(shown, lambda author: self._reply(line=text, author=author))

    def do_wait_peers(self, count):
        def shown():
            n = len(_rows(self.window.peer_list, PeerRow))
            return n if n == int(count) else None
        self._when(shown, lambda n: self._reply(peers=n))

    def do_peers(self, _argument):
        self._reply(peers=[{'id': row.id_label.get_label(), 'nat': row.nat_label.get_label(),
                            'path': row.path_label.get_label()}
                           for row in _rows(self.window.peer_list, PeerRow)])

    def do_send_file(self, argument):
        shown, _, path = argument.partition(' ')
        for row in _rows(self.window.peer_list, PeerRow):
            if row.id_label.get_label() == shown:
                transfer = self.window.send_file(row.info.props.id, path)
                self._reply(sending=transfer.props.name if transfer else None)
                return
        self._reply(error=f'no peer row shows {shown}')

    def do_wait_file(self, name):
        def shown():
            for row in _rows(self.window.transfer_list, TransferRow):
                t = row.transfer
                if t is not None and t.props.name == name and \
                        (t.props.state in ('sent', 'received') or t.props.state.startswith('failed')):
                    return {'state': t.props.state, 'fraction': row.progress.get_fraction(),
                            'path': t.props.path, 'label': row.state_label.get_label()}
            return None
        self._when(shown, lambda found: self._reply(**found))

    def do_offline(self, _argument):
        self.window.room.go_offline()
        self._reply(online=False, subtitle=self.window.title.get_subtitle())

    def do_online(self, _argument):
        self.window.room.go_online()
        self._reply(online=True, port=self.window.room.peer.props.port)

    def do_screenshot(self, path):
        """Right after the window painted a frame, so that it shows what it has."""
        window = self.window
        clock = window.get_frame_clock()
        frames = [0]

        def after_paint(_clock):
            width, height = window.get_width(), window.get_height()
            frames[0] += 1
            if _render_to_png(window, width, height, path):
                self._reply(screenshot=path, width=width, height=height)
            elif frames[0] < 60:
                window.queue_draw()
                return
            else:
                self._reply(error='the window drew nothing in 60 frames')
            clock.disconnect(handler)
        handler = clock.connect('after-paint', after_paint)
        window.queue_draw()

    def do_quit(self, _argument):
        self._reply(quit=True)
        self.window.get_application().quit()


def start(window):
    window.connect('map', lambda *_: print(json.dumps({'ready': window.room.peer.props.id,
                                                       'port': window.room.peer.props.port}),
                                           file=sys.stdout, flush=True))
    return Control(window)
