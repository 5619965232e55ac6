# A first program for warmbox: `warmbox run examples/hello.py`
import os
import platform
import sys

print(f"Hello from a warm sandbox: Python {platform.python_version()}, uid {os.getuid()}, cwd {os.getcwd()}")
print(f"network interfaces: {', '.join(sorted(os.listdir('/sys/class/net')))}")
try:
    open("/etc/hello", "w")
except OSError as e:
    print(f"the root file system is read-only: {e.strerror}")
sys.exit(0)
