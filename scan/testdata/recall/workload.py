"""Everyday use of Python's standard library, for the recall test.

Files and directories, processes, threads, multiprocessing, asyncio,
sockets (TCP, UDP, Unix), an HTTP server and client, sqlite3, archives,
signals, select/selectors, mmap, resource. Loopback only; deterministic
output is not needed, only that each part runs. Usage: workload.py DIR.
"""

import asyncio
import bz2
import concurrent.futures
import contextlib
import fcntl
import glob
import grp
import gzip
import hashlib
import http.server
import io
import json
import logging
import lzma
import mmap
import multiprocessing
import os
import pathlib
import pwd
import queue
import random
import resource
import select
import selectors
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile

base = pathlib.Path(sys.argv[1])
logging.basicConfig(filename=base / "workload.log", level=logging.INFO)
log = logging.getLogger("workload")


def files():
    tree = base / "tree"
    (tree / "a" / "b").mkdir(parents=True, exist_ok=True)
    for i in range(20):
        (tree / "a" / f"f{i}.txt").write_text(f"line {i}\n" * (i + 1))
    (tree / "a" / "b" / "data.bin").write_bytes(os.urandom(1 << 16))
    with open(tree / "append.log", "a") as f:
        f.write("x\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tree / "a" / "f1.txt", 0o600)
    os.utime(tree / "a" / "f2.txt", (1_000_000_000, 1_000_000_000))
    os.symlink("a/f3.txt", tree / "link")
    os.link(tree / "a" / "f4.txt", tree / "hard")
    os.rename(tree / "a" / "f5.txt", tree / "a" / "f5.renamed")
    os.replace(tree / "a" / "f6.txt", tree / "a" / "f7.txt")
    os.readlink(tree / "link")
    os.lstat(tree / "link")
    os.access(tree / "a", os.R_OK | os.X_OK)
    total = 0
    for root, dirs, fnames in os.walk(tree):
        for n in fnames:
            st = os.stat(os.path.join(root, n), follow_symlinks=False)
            total += st.st_size
            stat.filemode(st.st_mode)
    with os.scandir(tree / "a") as it:
        [e.is_file() for e in it]
    glob.glob(str(tree / "**" / "*.txt"), recursive=True)
    shutil.copytree(tree, base / "copy", symlinks=True)
    shutil.copy2(tree / "a" / "f8.txt", base / "copy" / "f8.copy")
    shutil.move(base / "copy" / "f8.copy", base / "copy" / "f8.moved")
    shutil.disk_usage(base)
    shutil.which("python3")
    os.truncate(tree / "a" / "f9.txt", 3)
    with open(tree / "a" / "f10.txt", "r+b") as f:
        os.pread(f.fileno(), 4, 0)
        os.pwrite(f.fileno(), b"LINE", 0)
        f.seek(0, io.SEEK_END)
        f.truncate(10)
        fcntl.flock(f, fcntl.LOCK_EX)
        fcntl.flock(f, fcntl.LOCK_UN)
        fcntl.lockf(f, fcntl.LOCK_SH)
        fcntl.lockf(f, fcntl.LOCK_UN)
    os.mkfifo(base / "fifo")
    with tempfile.TemporaryDirectory(dir=base) as d:
        with tempfile.NamedTemporaryFile(dir=d, delete=False) as t:
            t.write(b"temp")
        with tempfile.SpooledTemporaryFile(max_size=10) as t:
            t.write(b"spilled over to disk")
        tempfile.mkstemp(dir=d)
    shutil.rmtree(base / "copy")
    os.umask(0o022)
    cwd = os.getcwd()
    os.chdir(base)
    os.chdir(cwd)
    os.statvfs(base)
    pwd.getpwuid(os.getuid())
    grp.getgrgid(os.getgid())
    os.uname()
    os.cpu_count()
    os.getloadavg()
    os.times()
    log.info("files: %d bytes", total)


def archives():
    src = base / "tree"
    with zipfile.ZipFile(base / "t.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for p in src.rglob("*"):
            if p.is_file() and not p.is_symlink():
                z.write(p, p.relative_to(src))
    with zipfile.ZipFile(base / "t.zip") as z:
        z.extractall(base / "unzipped")
    with tarfile.open(base / "t.tar.gz", "w:gz") as t:
        t.add(src, arcname="tree")
    with tarfile.open(base / "t.tar.gz") as t:
        t.extractall(base / "untarred")
    with tarfile.open(base / "t.tar.xz", "w:xz") as t:
        t.add(src / "a", arcname="a")
    with bz2.open(base / "x.bz2", "wt") as f:
        f.write("bz2\n")
    with gzip.open(base / "x.gz", "wt") as f:
        f.write("gzip\n")
    lzma.decompress(lzma.compress(b"x" * 1000))
    shutil.make_archive(str(base / "made"), "gztar", src)
    shutil.unpack_archive(str(base / "made.tar.gz"), base / "unpacked")


def db():
    con = sqlite3.connect(base / "w.db")
    con.execute("pragma journal_mode=wal")
    con.execute("create table if not exists t(k integer primary key, v text)")
    with con:
        con.executemany("insert into t(v) values(?)", [(str(i),) for i in range(500)])
    con.execute("select count(*), max(k) from t").fetchone()
    with sqlite3.connect(base / "backup.db") as dst:
        con.backup(dst)
    con.close()


def work(n):
    return hashlib.sha256(str(n).encode()).hexdigest()


def child(q, conn):
    q.put(os.getpid())
    conn.send(conn.recv() + 1)
    conn.close()


def processes():
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    out = subprocess.check_output([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"], input=b"piped")
    assert out.strip() == b"PIPED"
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], stdout=subprocess.DEVNULL)
    p.terminate()
    p.wait(timeout=10)
    with multiprocessing.Pool(2) as pool:
        pool.map(work, range(20))
    q = multiprocessing.Queue()
    a, b = multiprocessing.Pipe()
    pr = multiprocessing.Process(target=child, args=(q, b))
    pr.start()
    a.send(41)
    assert a.recv() == 42
    q.get(timeout=10)
    pr.join()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        pool.map(work, range(2))
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    os.waitpid(pid, 0)


def threads():
    results = queue.Queue()
    lock = threading.Lock()
    cond = threading.Condition()
    ev = threading.Event()
    counter = [0]

    def worker(i):
        with lock:
            counter[0] += i
        with cond:
            cond.notify_all()
        results.put(work(i))
        ev.wait(5)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    time.sleep(0.05)
    ev.set()
    for t in ts:
        t.join()
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(work, range(50)))
    threading.Timer(0.01, ev.clear).start()
    time.sleep(0.05)


async def echo(reader, writer):
    data = await reader.readline()
    writer.write(data.upper())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def aio():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        for _ in range(3):
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"hello\n")
            await w.drain()
            await r.readline()
            w.close()
            await w.wait_closed()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "print('sub')", stdout=asyncio.subprocess.PIPE)
    await proc.communicate()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, work, 1)
    await asyncio.wait_for(asyncio.sleep(0.01), timeout=5)
    await asyncio.gather(*(asyncio.sleep(0.001) for _ in range(10)))


def sockets():
    u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u1.bind(("127.0.0.1", 0))
    u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u2.sendto(b"ping", u1.getsockname())
    u1.recvfrom(100)
    u1.close()
    u2.close()
    a, b = socket.socketpair()
    a.sendall(b"x" * 100)
    b.recv(100)
    r, w = os.pipe()
    socket.send_fds(a, [b"fd"], [r])
    msg, fds, _, _ = socket.recv_fds(b, 10, 1)
    for fd in fds:
        os.close(fd)
    a.shutdown(socket.SHUT_WR)
    a.close()
    b.close()
    path = str(base / "unix.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen()
    cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cli.connect(path)
    conn, _ = srv.accept()
    cli.sendall(b"unix")
    conn.recv(10)
    for s in (conn, cli, srv):
        s.close()
    ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ud.bind(str(base / "dgram.sock"))
    ud.close()
    t = socket.create_server(("127.0.0.1", 0))
    c = socket.create_connection(t.getsockname(), timeout=5)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s, _ = t.accept()
    s.getpeername()
    c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    with open(base / "tree" / "a" / "b" / "data.bin", "rb") as f:
        c.sendfile(f)
    c.close()
    while s.recv(65536):
        pass
    s.close()
    t.close()
    socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    socket.gethostname()
    os.close(r)
    os.close(w)


def multiplex():
    r, w = os.pipe()
    os.write(w, b"x")
    select.select([r], [], [], 1)
    p = select.poll()
    p.register(r, select.POLLIN)
    p.poll(100)
    e = select.epoll()
    e.register(r, select.EPOLLIN)
    e.poll(0.1)
    e.close()
    sel = selectors.DefaultSelector()
    sel.register(r, selectors.EVENT_READ)
    sel.select(0.1)
    sel.close()
    os.set_blocking(r, False)
    os.read(r, 10)
    os.close(r)
    os.close(w)


def signals():
    got = []
    signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
    os.kill(os.getpid(), signal.SIGUSR1)
    signal.signal(signal.SIGALRM, lambda s, f: got.append(s))
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    time.sleep(0.1)
    signal.alarm(0)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR2])
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)


def memory():
    m = mmap.mmap(-1, 1 << 20)
    m[:5] = b"hello"
    m.close()
    with open(base / "mapped", "wb") as f:
        f.write(b"\0" * 8192)
    with open(base / "mapped", "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        m[0:4] = b"data"
        m.flush()
        m.close()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    resource.getrusage(resource.RUSAGE_SELF)
    random.seed(1)
    random.SystemRandom().random()


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=str(base / "tree"), **k)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body[::-1])

    def log_message(self, *a):
        pass


def web():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever)
    t.start()
    url = "http://127.0.0.1:%d/" % srv.server_address[1]
    with urllib.request.urlopen(url + "a/f0.txt", timeout=10) as r:
        r.read()
    with urllib.request.urlopen(url, timeout=10) as r:
        r.read()
    data = urllib.parse.urlencode({"q": "x"}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
        r.read()
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url + "missing", timeout=10)
    srv.shutdown()
    srv.server_close()
    t.join()


def admin():
    """What system scripts do: sessions and process groups, priorities and
    affinity, another user's identity (as root), extended attributes,
    preallocation, syncing."""
    subprocess.run([sys.executable, "-c", "pass"], start_new_session=True, check=True)
    subprocess.run([sys.executable, "-c", "pass"], process_group=0, check=True)
    if os.geteuid() == 0:
        subprocess.run([sys.executable, "-c", "pass"], user=65534, group=65534, extra_groups=[], check=True)
    subprocess.run([sys.executable, "-c", "pass"], preexec_fn=lambda: os.nice(1), check=True)
    os.getpriority(os.PRIO_PROCESS, 0)
    os.sched_getaffinity(0)
    os.getppid(), os.getpgrp(), os.getsid(0), os.getresuid(), os.getresgid(), os.getgroups()
    f = base / "tree" / "a" / "f11.txt"
    with contextlib.suppress(OSError):
        os.setxattr(f, "user.origin", b"workload")
        os.getxattr(f, "user.origin")
        os.listxattr(f)
        shutil.copy2(f, base / "xattr-copy")
        os.removexattr(f, "user.origin")
    with open(base / "prealloc", "wb") as g:
        os.posix_fallocate(g.fileno(), 0, 1 << 16)
        os.posix_fadvise(g.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        os.fdatasync(g.fileno())
    os.sync()
    signal.pthread_kill(threading.get_ident(), 0)
    signal.sigpending()


def main():
    files()
    admin()
    archives()
    db()
    processes()
    threads()
    asyncio.run(aio())
    sockets()
    multiplex()
    signals()
    memory()
    web()
    json.dump({"ok": True}, open(base / "done.json", "w"))


if __name__ == "__main__":
    main()
