"""Use cases shared by the HTTP server, the CLI and the Python API."""

from seglab.services.datasets import ConversionResult, convert_path, inspect_path
from seglab.services.system import SystemInfo, check_health, system_info

__all__ = ["ConversionResult", "SystemInfo", "check_health", "convert_path", "inspect_path", "system_info"]
