# `warmbox run examples/hello.sh`
echo "Hello from a warm sandbox: $(uname -s), uid $(id -u)"
