
import os, sys, time
# ExaBGP API feeder written by ixpctl lab: copies new lines of a command file to ExaBGP.
path, pidfile = sys.argv[1], sys.argv[2]
open(pidfile, "w").write(str(os.getpid()))
parent = os.getppid()
pos = 0
while True:
    if os.getppid() != parent:
        sys.exit(0)
    try:
        with open(path) as fh:
            fh.seek(pos)
            data = fh.read()
    except FileNotFoundError:
        data = ""
    if data and data.endswith("\n"):
        pos += len(data.encode())
        sys.stdout.write(data)
        sys.stdout.flush()
    time.sleep(0.05)
