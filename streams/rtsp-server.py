#!/usr/bin/python3
"""Camera-simulator RTSP server: gst-rtsp-server driven through GObject introspection.

Run with /usr/bin/python3 (the Debian interpreter that has the GI bindings).

Spec (JSON object, argv[1] or one line on stdin):
  {"port": 0, "mounts": [{"name": "street-1", "rtpPort": 0}, ...]}
  port 0 lets the kernel choose the RTSP port; rtpPort 0 lets it choose the UDP port the mount's
  feeder must send RTP/H.264 to. Both actual values are reported.

stdout carries one JSON object per line, nothing else:
  {"ready": true, "port": N, "rtpPorts": {"street-1": P, ...}}   listening; feeders may start
  {"ready": false, "code": "...", "error": "..."}                 fatal start-up problem
  {"mount": "street-1", "event": "configured"}   a first client arrived; its pipeline now reads
Diagnostics go to stderr. SIGTERM / SIGINT stop the server and exit 0.
Exit codes: 0 clean stop, 2 bad spec, 3 GStreamer / GI bindings missing, 4 cannot bind a port.

Each mount's shared media (udpsrc -> rtph264depay -> h264parse config-interval=-1 -> rtph264pay, or the
H.265 equivalents for an H.265 mount) is
built on the first DESCRIBE and fanned out to every client until the last one leaves. DESCRIBE waits
for the feeder's next SPS/PPS, i.e. up to one GOP of the clip. The feeder's UDP port is bound here
for the whole life of the server (not by udpsrc, which only exists while somebody watches), so the
port cannot be taken by another process between clients, and a feeder outage only pauses the stream:
clients stay connected and resume at the next keyframe once the feeder is back.
"""

import json
import os
import re
import signal
import socket
import sys
import threading

EXIT_BAD_SPEC = 2
EXIT_NO_GI = 3
EXIT_BIND = 4

MOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
APT_HINT = (
    "apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad"
)
# A 1080p IDR arrives as a burst of a few hundred RTP packets; the 208 KiB default can overflow
# when the GStreamer thread is briefly descheduled on a busy 2-core machine, and a lost packet
# in an IDR spoils the whole GOP for every client.
RCVBUF_BYTES = 4 * 1024 * 1024
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
DISCARD_PERIOD_MS = 200


_stdout_lock = threading.Lock()  # lines come from the main loop and from client threads


def emit(obj):
    with _stdout_lock:
        try:
            sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            # The reader is gone (its process died): an exception here would escape a GLib
            # callback and cancel it, e.g. the parent watch that must still shut us down.
            pass


def log(msg):
    try:
        sys.stderr.write("rtsp-server: " + msg + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr closed with the parent: see emit()


def fail(code, exit_code, message):
    emit({"ready": False, "code": code, "error": message})
    log(message)
    sys.exit(exit_code)


def read_spec():
    raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.readline()
    try:
        spec = json.loads(raw)
    except ValueError as e:
        fail("BAD_SPEC", EXIT_BAD_SPEC, "spec is not JSON: %s" % e)
    if not isinstance(spec, dict):
        fail("BAD_SPEC", EXIT_BAD_SPEC, "spec must be a JSON object")
    port = spec.get("port", 0)
    # Loopback unless told otherwise (a container serving other containers listens on 0.0.0.0).
    address = spec.get("address", "127.0.0.1")
    mounts = spec.get("mounts")
    if not is_port(port):
        fail("BAD_SPEC", EXIT_BAD_SPEC, "port must be an integer 0..65535")
    if not isinstance(mounts, list) or not mounts:
        fail("BAD_SPEC", EXIT_BAD_SPEC, "mounts must be a non-empty array")
    seen = set()
    for i, m in enumerate(mounts):
        name = m.get("name") if isinstance(m, dict) else None
        if not isinstance(name, str) or not MOUNT_NAME.match(name):
            fail("BAD_SPEC", EXIT_BAD_SPEC, "mounts[%d].name must match %s" % (i, MOUNT_NAME.pattern))
        if name in seen:
            fail("BAD_SPEC", EXIT_BAD_SPEC, "mounts[%d].name %r is repeated" % (i, name))
        seen.add(name)
        if not is_port(m.get("rtpPort", 0)):
            fail("BAD_SPEC", EXIT_BAD_SPEC, "mounts[%d].rtpPort must be an integer 0..65535" % i)
        if m.get("codec", "h264") not in CODECS:
            fail("BAD_SPEC", EXIT_BAD_SPEC, "mounts[%d].codec must be one of %s" % (i, ", ".join(sorted(CODECS))))
    if not isinstance(address, str) or not re.match(r"^(\d{1,3}\.){3}\d{1,3}$", address):
        fail("BAD_SPEC", EXIT_BAD_SPEC, "address must be an IPv4 address")
    return port, address, [{"name": m["name"], "rtpPort": m.get("rtpPort", 0), "codec": m.get("codec", "h264")} for m in mounts]


# Per codec: the RTP encoding name and the depayloader / parser / payloader chain of a mount. The parser
# re-sends the parameter sets (SPS/PPS, and VPS for H.265) on every keyframe so a client can join at any.
CODECS = {
    "h264": ("H264", "rtph264depay ! h264parse config-interval=-1 ! rtph264pay config-interval=1"),
    "h265": ("H265", "rtph265depay ! h265parse config-interval=-1 ! rtph265pay config-interval=1"),
}


def is_port(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 65535


def load_gi():
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        from gi.repository import Gio, GLib, Gst, GstRtspServer
    except (ImportError, ValueError) as e:
        fail("NO_GI", EXIT_NO_GI, "GStreamer Python bindings are missing (%s); install with: %s" % (e, APT_HINT))
    Gst.init(None)
    needed = ("udpsrc", "rtph264depay", "h264parse", "rtph264pay", "rtph265depay", "h265parse", "rtph265pay")
    missing = [f for f in needed if Gst.ElementFactory.find(f) is None]
    if missing:
        fail("NO_GI", EXIT_NO_GI, "GStreamer elements missing: %s; install with: %s" % (", ".join(missing), APT_HINT))
    return Gio, GLib, GstRtspServer


def bind_rtp_socket(port):
    """Binds the feeder's UDP port for the whole life of the server, so no other process can take it
    between clients and a second simulator cannot pick it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, RCVBUF_BYTES)
            break
        except OSError:
            # SO_RCVBUFFORCE needs CAP_NET_ADMIN; SO_RCVBUF (capped by rmem_max) is the fallback.
            continue
    s.setblocking(False)
    return s


def drain(sock):
    """Reads and discards every queued datagram; returns how many there were."""
    n = 0
    while True:
        try:
            sock.recv(65536)
            n += 1
        except (BlockingIOError, InterruptedError):
            return n
        except OSError:
            return n


def main():
    port, address, mounts = read_spec()
    Gio, GLib, GstRtspServer = load_gi()

    sockets = {}
    for m in mounts:
        try:
            sockets[m["name"]] = bind_rtp_socket(m["rtpPort"])
        except OSError as e:
            fail(
                "RTP_PORT",
                EXIT_BIND,
                "cannot bind UDP 127.0.0.1:%d for mount %s: %s" % (m["rtpPort"], m["name"], e.strerror or e),
            )


    class CameraFactory(GstRtspServer.RTSPMediaFactory):
        """One mount. While no client watches, the feeder's datagrams are discarded every
        DISCARD_PERIOD_MS, so that a new pipeline starts with live video rather than a replay of
        whatever the socket buffer held (up to half a minute at 4 MiB), yet still sees the
        keyframe that is arriving right now."""

        def __init__(self, name, sock, codec):
            super().__init__()
            self.mount = name
            self.sock = sock
            # GSocket wraps a duplicate descriptor: each object closes its own, never the other's.
            self.gsock = Gio.Socket.new_from_fd(os.dup(sock.fileno()))
            encoding, chain = CODECS[codec]
            caps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=%s,payload=96" % encoding
            self.set_launch('( udpsrc name=src caps="%s" ! %s pt=96 name=pay0 )' % (caps, chain))
            # One pipeline per camera fanned out to all clients, like a real camera's encoder.
            self.set_shared(True)
            self.connect("media-configure", self.on_media_configure)
            # media-configure and unprepared run on client threads, the discarding on the main loop.
            self.lock = threading.Lock()
            self.owner = None  # the media whose udpsrc currently reads the socket
            GLib.timeout_add(DISCARD_PERIOD_MS, self.discard_unwatched)

        def do_gen_key(self, _url):
            # Every URL of this mount (any host alias, query or trailing path) must map to the one
            # media that owns the socket; two udpsrc on one socket would split the packets.
            return "/" + self.mount

        def discard_unwatched(self):
            with self.lock:
                if self.owner is None:
                    drain(self.sock)
            return GLib.SOURCE_CONTINUE

        def on_media_configure(self, _factory, media):
            with self.lock:
                # From here on only this media's udpsrc reads the socket.
                self.owner = media
            src = media.get_element().get_by_name("src")
            src.set_property("socket", self.gsock)
            src.set_property("close-socket", False)
            media.connect("unprepared", self.on_unprepared)
            emit({"mount": self.mount, "event": "configured"})

        def on_unprepared(self, media):
            with self.lock:
                if self.owner is media:
                    self.owner = None

    server = GstRtspServer.RTSPServer()
    # The default is one thread for all clients, and a DESCRIBE blocks its thread until the mount's
    # next keyframe (up to 10 s for some clips): every other client would wait behind it.
    server.get_thread_pool().set_max_threads(-1)
    server.set_address(address)
    server.set_service(str(port))
    mount_points = server.get_mount_points()
    factories = {}
    for m in mounts:
        f = CameraFactory(m["name"], sockets[m["name"]], m["codec"])
        mount_points.add_factory("/" + m["name"], f)
        factories[m["name"]] = f

    try:
        attached = server.attach(None)
    except GLib.Error as e:
        fail("RTSP_PORT", EXIT_BIND, "cannot listen on %s:%d: %s" % (address, port, e.message))
    if not attached:
        fail("RTSP_PORT", EXIT_BIND, "cannot listen on %s:%d (port in use?)" % (address, port))
    bound = server.get_bound_port()

    # Sessions of clients that vanished without TEARDOWN (UDP transport) expire here.
    def cleanup_sessions():
        server.get_session_pool().cleanup()
        return GLib.SOURCE_CONTINUE

    GLib.timeout_add_seconds(2, cleanup_sessions)

    loop = GLib.MainLoop()

    def stop(*_args):
        loop.quit()
        log("stopping")
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop)

    # A parent killed with SIGKILL cannot stop us; an orphaned server would hold its ports forever.
    # Once it is gone the feeders die too: they send with connect=1 and get ECONNREFUSED.
    parent = os.getppid()

    def watch_parent():
        if os.getppid() != parent:
            log("parent process %d is gone" % parent)
            return stop()
        return GLib.SOURCE_CONTINUE

    GLib.timeout_add_seconds(1, watch_parent)

    rtp_ports = {name: s.getsockname()[1] for name, s in sockets.items()}
    emit({"ready": True, "port": bound, "rtpPorts": rtp_ports})
    log("listening on %s:%d; mounts %s" % (address, bound, ", ".join("%s<-udp:%d" % kv for kv in rtp_ports.items())))
    loop.run()

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # closed with the parent; nothing left to say
    # Skip interpreter finalisation: GStreamer streaming threads may still be blocked in a socket
    # wait, and tearing down Python objects under them can crash or hang the exit.
    os._exit(0)


if __name__ == "__main__":
    main()
