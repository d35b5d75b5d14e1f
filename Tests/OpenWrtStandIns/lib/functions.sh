# Stand-in for OpenWrt's /lib/functions.sh: the UCI helpers an init script uses.
# A section's options live in CONFIG_<section>_<option>; a list's items in
# CONFIG_<section>_<option>_ITEM<n> with CONFIG_<section>_<option>_LENGTH, and its items joined
# by spaces in CONFIG_<section>_<option>, which is what config_get returns for a list.

# config_load PACKAGE: reads $UCI_CONFIG_DIR/PACKAGE (a missing file is an empty config). Like
# UCI's loader, it first forgets the lists of the previous load, so loading twice (start_service,
# then service_triggers) does not repeat their items.
config_load() {
	local file="${UCI_CONFIG_DIR:-/etc/config}/$1" line section="" n list
	for list in $__config_lists; do
		eval "CONFIG_$list=; CONFIG_${list}_LENGTH=0"
	done
	__config_lists=""
	[ -f "$file" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		# UCI quotes like the shell: let the shell split the line (test files only; never a
		# file from elsewhere).
		eval "set -- $line" 2>/dev/null || continue
		[ $# -gt 0 ] || continue
		case "$1" in
			\#*) continue ;;
			config)
				section="${3:-cfg$$}"
				eval "CONFIG_${section}_TYPE=\$2"
				;;
			option)
				[ -n "$section" ] || continue
				eval "CONFIG_${section}_$2=\$3"
				;;
			list)
				[ -n "$section" ] || continue
				eval "n=\$(( \${CONFIG_${section}_$2_LENGTH:-0} + 1 ))"
				[ "$n" = 1 ] && __config_lists="$__config_lists ${section}_$2"
				eval "CONFIG_${section}_$2_LENGTH=\$n"
				eval "CONFIG_${section}_$2_ITEM$n=\$3"
				eval "CONFIG_${section}_$2=\"\${CONFIG_${section}_$2:+\$CONFIG_${section}_$2 }\$3\""
				;;
		esac
	done < "$file"
}

# config_get VARIABLE SECTION OPTION [DEFAULT]
config_get() {
	eval "$1=\"\${CONFIG_$2_$3:-\$4}\""
}

# config_get_bool VARIABLE SECTION OPTION [DEFAULT]: 1 or 0 from UCI's spellings of true/false.
config_get_bool() {
	local value
	config_get value "$2" "$3" "$4"
	case "$value" in
		1|on|true|yes|enabled) value=1 ;;
		0|off|false|no|disabled) value=0 ;;
		*) value="$4" ;;
	esac
	eval "$1=\$value"
}

# config_list_foreach SECTION OPTION CALLBACK [ARGUMENTS...]: CALLBACK ITEM ARGUMENTS... per item.
config_list_foreach() {
	local section="$1" option="$2" callback="$3" length i item
	shift 3
	eval "length=\${CONFIG_${section}_${option}_LENGTH:-0}"
	i=1
	while [ "$i" -le "$length" ]; do
		eval "item=\$CONFIG_${section}_${option}_ITEM$i"
		"$callback" "$item" "$@"
		i=$((i + 1))
	done
}
