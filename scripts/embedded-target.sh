# Sourced by scripts/build-embedded and scripts/build-router: what compiling for one router
# architecture and C library takes. `embedded_target ARCH LIBC OUT` sets
#   build_dir           OUT/ARCH-LIBC, where that build's files go
#   swift_target_flags  swiftc's target, the C importer's target and its header search path
#   c_module_flags      the project's C modules' maps (CLibc, CShim, CMnl, CNftnl)
#   c_target_flags      the same target and headers for compiling C (the shims)
#   triple_gnu          Debian's name for the architecture's GNU toolchain (aarch64-linux-gnu, ...)
# and writes, for musl, an include directory of musl's headers' companions (the kernel's,
# libmnl's, libnftnl's) that do not sit beside musl's own.

embedded_target() {
  local arch=$1 libc=$2 out=$3
  local swift_target clang_target
  case "$arch" in
    x86_64) swift_target=x86_64-unknown-linux-gnu; clang_target=x86_64-unknown-linux-gnu; triple_gnu=x86_64-linux-gnu ;;
    aarch64) swift_target=aarch64-none-none-elf; clang_target=aarch64-unknown-linux-gnu; triple_gnu=aarch64-linux-gnu ;;
    armv7) swift_target=armv7-none-none-eabi; clang_target=armv7-unknown-linux-gnueabihf; triple_gnu=arm-linux-gnueabihf ;;
    *) echo "unknown architecture '$arch' (x86_64, aarch64 or armv7)" >&2; return 1 ;;
  esac
  case "$libc" in glibc|musl) ;; *) echo "unknown C library '$libc' (glibc or musl)" >&2; return 1 ;; esac
  build_dir="$out/$arch-$libc"
  mkdir -p "$build_dir"

  local headers=()
  if [ "$libc" = musl ]; then
    local musl_triple
    case "$arch" in
      x86_64) musl_triple=x86_64-linux-musl ;;
      aarch64) musl_triple=aarch64-linux-musl ;;
      armv7) musl_triple=arm-linux-musleabihf ;;
    esac
    clang_target=${clang_target%-gnu*}-musl
    [ "$arch" = armv7 ] && clang_target=armv7-unknown-linux-musleabihf
    # Swift's x86_64 Linux target expects glibc; the bare-metal one leaves the C library to us.
    [ "$arch" = x86_64 ] && swift_target=x86_64-unknown-none-elf
    # The kernel's headers for the architecture (Debian's cross packages, or the host's for
    # x86_64) and the libraries' headers, which are the same for every architecture.
    local kernel=/usr/$triple_gnu/include
    [ "$arch" = x86_64 ] && kernel=/usr/include
    local companions="$build_dir/include"
    mkdir -p "$companions"
    local name
    for name in linux asm-generic mtd misc rdma sound video xen; do
      [ -e "$kernel/$name" ] && ln -sfn "$kernel/$name" "$companions/$name"
    done
    if [ "$arch" = x86_64 ]; then ln -sfn /usr/include/x86_64-linux-gnu/asm "$companions/asm"; else ln -sfn "$kernel/asm" "$companions/asm"; fi
    ln -sfn /usr/include/libmnl "$companions/libmnl"
    ln -sfn /usr/include/libnftnl "$companions/libnftnl"
    headers=(-nostdlibinc -isystem "/usr/include/$musl_triple" -isystem "$companions")
  elif [ "$arch" != x86_64 ]; then
    headers=(-nostdlibinc -isystem "/usr/$triple_gnu/include" -isystem /usr/include)
  fi
  [ "$arch" = armv7 ] && headers+=(-mfloat-abi=hard)

  swift_target_flags=(-target "$swift_target" -clang-target "$clang_target")
  local flag
  for flag in "${headers[@]}"; do swift_target_flags+=(-Xcc "$flag"); done
  c_target_flags=(--target="$clang_target" "${headers[@]}")

  # CShim's module map is SwiftPM's generated umbrella; here it is written out.
  local cshim_map="$build_dir/CShim.modulemap"
  printf 'module CShim {\n    header "%s"\n    export *\n}\n' "$PWD/Sources/CShim/include/CShim.h" >"$cshim_map"
  c_module_flags=(
    -Xcc "-fmodule-map-file=$PWD/Sources/CLibc/include/module.modulemap"
    -Xcc "-fmodule-map-file=$cshim_map"
    -Xcc "-fmodule-map-file=$PWD/Sources/CMnl/module.modulemap"
    -Xcc "-fmodule-map-file=$PWD/Sources/CNftnl/module.modulemap"
  )
}
