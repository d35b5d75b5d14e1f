# Stand-in for OpenWrt's /lib/functions/procd.sh. Every request is a line in $PROCD_LOG; the
# service's instance is kept in $PROCD_STATE/NAME.command (one argument a line) and, with
# PROCD_RUN=1, really runs (pid in $PROCD_STATE/NAME.pid). Like procd, a service update that
# brings the same command leaves the instance alone, another command replaces it, and none
# stops it.

__procd_log() { echo "$*" >> "${PROCD_LOG:-/dev/null}"; }

procd_open_service() {
	__procd_service="$1"
	__procd_instances=0
	rm -f "$PROCD_STATE/$1.new"
	__procd_log "open_service $1"
}

procd_open_instance() {
	__procd_instances=$((__procd_instances + 1))
	: > "$PROCD_STATE/$__procd_service.new"
	__procd_log "open_instance"
}

procd_set_param() {
	local name="$1"
	shift
	case "$name" in
		command)
			: > "$PROCD_STATE/$__procd_service.new"
			procd_append_param command "$@"
			;;
		*) __procd_log "param $name $*" ;;
	esac
}

procd_append_param() {
	local name="$1" argument
	shift
	[ "$name" = command ] || { __procd_log "param $name $*"; return; }
	for argument in "$@"; do
		printf '%s\n' "$argument" >> "$PROCD_STATE/$__procd_service.new"
	done
}

procd_close_instance() { __procd_log "close_instance"; }

procd_add_reload_trigger() { __procd_log "reload_trigger $*"; }
procd_add_interface_trigger() { __procd_log "interface_trigger $*"; }
procd_add_reload_interface_trigger() { procd_add_interface_trigger "interface.*" "$1" /etc/init.d/"$__procd_service" reload; }

__procd_stop_instance() { # NAME
	local pid
	pid=$(cat "$PROCD_STATE/$1.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	rm -f "$PROCD_STATE/$1.pid" "$PROCD_STATE/$1.command"
}

__procd_start_instance() { # NAME
	mv "$PROCD_STATE/$1.new" "$PROCD_STATE/$1.command"
	[ "${PROCD_RUN:-0}" = 1 ] || return 0
	# The instance's arguments, one a line, as positional parameters.
	local IFS='
'
	set -f
	set -- $(cat "$PROCD_STATE/$1.command")
	set +f
	setsid "$@" </dev/null >>"$PROCD_STATE/instance.log" 2>&1 &
	echo $! > "$PROCD_STATE/$__procd_service.pid"
}

procd_close_service() {
	local name="$__procd_service"
	if [ "$__procd_instances" = 0 ]; then
		[ -f "$PROCD_STATE/$name.command" ] && { __procd_stop_instance "$name"; __procd_log "instance stopped"; }
	elif [ -f "$PROCD_STATE/$name.command" ] && cmp -s "$PROCD_STATE/$name.new" "$PROCD_STATE/$name.command"; then
		rm -f "$PROCD_STATE/$name.new"
		__procd_log "instance unchanged"
	elif [ -f "$PROCD_STATE/$name.command" ]; then
		__procd_stop_instance "$name"
		__procd_start_instance "$name"
		__procd_log "instance replaced"
	else
		__procd_start_instance "$name"
		__procd_log "instance started"
	fi
	__procd_log "close_service"
}

# procd_kill NAME: procd's "service delete": the instance gets SIGTERM; the call returns without
# waiting for the process to end.
procd_kill() {
	__procd_log "procd_kill $1"
	__procd_stop_instance "$1"
}
