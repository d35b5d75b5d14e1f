# Stand-in for OpenWrt's /lib/functions/network.sh. netifd's interface status comes from
# $NETIFD_STATE/IFACE (lines device=..., l3_device=..., up=1) instead of ubus. As in netifd, an
# interface's device is known while it is down; its layer-3 device only while it is up.

__network_field() { # IFACE FIELD
	local file="${NETIFD_STATE:-/nonexistent}/$1"
	[ -f "$file" ] || return 1
	sed -n "s/^$2=//p" "$file" | head -n 1
}

# network_get_physdev VARIABLE IFACE: the interface's (Ethernet-level) device.
network_get_physdev() {
	local value
	value=$(__network_field "$2" device)
	eval "$1=\$value"
	[ -n "$value" ]
}

# network_get_device VARIABLE IFACE: the interface's layer-3 device, while it is up.
network_get_device() {
	local value=""
	if [ "$(__network_field "$2" up)" = 1 ]; then
		value=$(__network_field "$2" l3_device)
		[ -n "$value" ] || value=$(__network_field "$2" device)
	fi
	eval "$1=\$value"
	[ -n "$value" ]
}
