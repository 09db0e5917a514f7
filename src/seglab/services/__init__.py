"""Use cases shared by the HTTP server, the CLI and the Python API."""

from seglab.services.system import SystemInfo, check_health, system_info

__all__ = ["SystemInfo", "check_health", "system_info"]
