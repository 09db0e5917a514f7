"""A local RTSP server for the stream tests: GStreamer's RTSP server (Debian's gir1.2-gst-rtsp-server-1.0, run by the
system Python, which has PyGObject) serving a folder of JPEG frames, looped, as RTP/JPEG.

    /usr/bin/python3 rtsp_server.py PORT FOLDER FPS   # serves rtsp://127.0.0.1:PORT/scene; prints "ready"
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port, folder, fps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( multifilesrc location="{folder}/%03d.jpg" loop=true caps="image/jpeg,framerate={fps}/1" '
        "! jpegdec ! videorate ! clocksync ! jpegenc ! rtpjpegpay name=pay0 pt=26 )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory("/scene", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on port {port}")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
