# Everyday shell work with busybox's applets, for the recall test:
# busybox sh busybox.sh DIR HTTP-PORT NC-PORT, with PATH holding only
# links to busybox (as in an initramfs or a small container image).
set -e
d=$1
cd "$d"
mkdir -p src/a/b src/c dst
for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "line $i of file $i" >src/a/f$i.txt
	seq 1 $((i * 50)) >>src/a/f$i.txt
done
echo hello >src/a/b/hello.txt
dd if=/dev/zero of=src/c/zero.bin bs=4096 count=16 2>/dev/null
ln -s ../a/f1.txt src/c/link
ln src/a/f2.txt src/c/hard
touch -d '2020-01-02 03:04:05' src/a/f3.txt
touch src/new
chmod 600 src/a/f4.txt
chmod -R go-w src
chown "$(id -u):$(id -g)" src/a/f5.txt
cp -a src copy
cp src/a/f6.txt dst/
mv dst/f6.txt dst/moved.txt
mkfifo fifo
mktemp -p "$d" >/dev/null
find src -type f -name '*.txt' | sort >list
find src -newer src/a/f3.txt -type f -exec ls -l {} + >/dev/null
find src -type f | xargs wc -l >/dev/null
xargs -n 2 echo <list >/dev/null
sort -r -n list | uniq | head -n 3 >/dev/null
tail -n 2 list >/dev/null
cut -d/ -f2 list | tr a-z A-Z | sort -u >/dev/null
sed -e 's/line/LINE/' -i src/a/f7.txt
awk '{ n += $1 } END { print n }' src/a/f8.txt >/dev/null
grep -r -n -l hello src >/dev/null
grep -c line src/a/f9.txt >/dev/null
diff src/a/f1.txt copy/a/f1.txt
cmp src/a/f2.txt copy/a/f2.txt
md5sum src/a/f1.txt >/dev/null
sha256sum src/a/*.txt >sums
sha256sum -c sums >/dev/null
od -c src/a/b/hello.txt >/dev/null
hexdump -C src/a/b/hello.txt >/dev/null
base64 src/a/b/hello.txt | base64 -d >/dev/null
tar -czf src.tgz src
tar -tzf src.tgz >/dev/null
mkdir untar
tar -xzf src.tgz -C untar
tar -cf - src | tar -xf - -C dst
gzip -k src/a/f10.txt
gunzip -c src/a/f10.txt.gz >/dev/null
zcat src/a/f10.txt.gz >/dev/null
bzip2 -k src/a/f9.txt
bzcat src/a/f9.txt.bz2 >/dev/null
cpio -o -H newc <list >list.cpio 2>/dev/null
du -s src >/dev/null
du -sh copy >/dev/null
df >/dev/null
df -h . >/dev/null
stat src/a/f1.txt >/dev/null
stat -f . >/dev/null
ls -la src/a >/dev/null
ls -lR copy >/dev/null
readlink src/c/link >/dev/null
realpath src/c/link >/dev/null
basename "$d" >/dev/null
dirname "$d" >/dev/null
truncate -s 100 src/a/f1.txt
ps >/dev/null
ps -o pid,comm >/dev/null
date >/dev/null
date -u +%s >/dev/null
id >/dev/null
whoami >/dev/null
hostname >/dev/null
uname -a >/dev/null
uptime >/dev/null
free >/dev/null
nproc >/dev/null
env >/dev/null
printf '%s %d\n' x 1 >/dev/null
expr 1 + 2 >/dev/null
test -d src
[ -f src/a/f1.txt ]
echo data | tee tee.out >/dev/null
sleep 0.05
usleep 1000
timeout 5 sleep 0.01
sleep 30 &
pid=$!
kill $pid
wait $pid || true
sleep 30 &
kill -TERM $!
wait || true
httpd -f -p 127.0.0.1:$2 -h src &
hpid=$!
i=0
until wget -q -O dst/hello.txt http://127.0.0.1:$2/a/b/hello.txt; do
	i=$((i + 1))
	[ $i -lt 50 ] || exit 1
	usleep 100000
done
wget -q -O - http://127.0.0.1:$2/a/f1.txt >/dev/null
wget -q -O /dev/null http://127.0.0.1:$2/missing || true
kill $hpid
wait $hpid || true
nc -l -p $3 >nc.out &
npid=$!
i=0
until echo hello | nc 127.0.0.1 $3; do
	i=$((i + 1))
	[ $i -lt 50 ] || exit 1
	usleep 100000
done
wait $npid || true
netstat -tn >/dev/null
netstat -ltnup >/dev/null 2>&1 || true
ps aux >/dev/null
top -b -n 1 >/dev/null
pidof busybox >/dev/null || true
sleep 30 &
killall sleep
wait || true
mount >/dev/null
ip addr >/dev/null 2>&1 || true
ip route >/dev/null 2>&1 || true
ifconfig lo >/dev/null 2>&1 || true
sysctl kernel.hostname >/dev/null 2>&1 || true
renice -n 1 -p $$ >/dev/null
ionice -p $$ >/dev/null 2>&1 || true
taskset -p $$ >/dev/null
setsid true
time true 2>/dev/null
fallocate -l 65536 prealloc
shred -n 1 -u prealloc
sync -f .
logger -t workload hello 2>/dev/null || true
mkpasswd -m sha512 secret >/dev/null
start-stop-daemon -S -b -m -p "$d/ssd.pid" -x /bin/busybox -- sleep 30
i=0
until [ -s "$d/ssd.pid" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || exit 1
	usleep 100000
done
start-stop-daemon -K -p "$d/ssd.pid" >/dev/null
if [ "$(id -u)" = 0 ]; then
	mkdir -p root/bin
	cp "$(which busybox)" root/bin/busybox
	chroot root /bin/busybox true
fi
rm -f fifo
rm -rf copy untar
rmdir dst/src/c/../../src/c 2>/dev/null || true
rm -r dst
sync
