#!/bin/sh
# Pipe command for the msmtpd tests: `sh msmtpd_recorder.sh DIR args…` stores one delivery as
# DIR/N.args (the arguments after DIR, each followed by a NUL byte) and DIR/N.mail (stdin, byte
# for byte), N counting from 1. Deliveries of one server are sequential, so the count is safe.
dir=$1
shift
n=$(($(ls "$dir" | grep -c '\.mail$') + 1))
printf '%s\0' "$@" > "$dir/$n.args"
cat > "$dir/$n.mail"
