#!/bin/sh
# Builds warmbox's pre-started JVM agent into the java image (images/java/Dockerfile, images/build.sh's offline recipe):
# /opt/warmbox/java/prestart.jar, read-only like the rest of the image. Its manifest puts it on the boot class path
# too, so that the agent's class always comes from it: a program's own dev/warmbox/PrestartAgent.class in {out}
# (the JVM's class path) is never taken for the agent.
set -eu
src=$(dirname "$0")
out=$(mktemp -d)
javac --release 17 -nowarn -d "$out" "$src/PrestartAgent.java"
mkdir -p /opt/warmbox/java
jar --create --file /opt/warmbox/java/prestart.jar --manifest "$src/MANIFEST.MF" -C "$out" .
chmod 0644 /opt/warmbox/java/prestart.jar
rm -rf "$out" "$src" /tmp/hsperfdata_root
