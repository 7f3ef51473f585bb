#!/bin/sh
# The core links into a hypervisor or boot loader only if it needs nothing
# from a C library: fail on any undefined symbol, and check the object is
# really of the architecture it claims.
# usage: check-freestanding.sh NM READELF OBJECT MACHINE
set -eu
nm=$1 readelf=$2 obj=$3 machine=$4

if ! "$readelf" -h "$obj" | grep -q "Machine:.*$machine"; then
	echo "$obj: not an object for $machine" >&2
	"$readelf" -h "$obj" >&2
	exit 1
fi
undefined=$("$nm" -u "$obj")
if [ -n "$undefined" ]; then
	echo "$obj: undefined symbols (the core must stand alone):" >&2
	echo "$undefined" >&2
	exit 1
fi
defined=$("$nm" --defined-only -g "$obj" | grep -c ' T uc_' || true)
if [ "$defined" -lt 20 ]; then
	echo "$obj: only $defined uc_* functions defined; is the core in it?" >&2
	exit 1
fi
echo "$obj: $machine, $defined uc_* functions, no undefined symbols"
