#ifndef PPPOE_RELAY_CSHIM_H
#define PPPOE_RELAY_CSHIM_H

// Everything here exists because Swift's Glibc module is built without _GNU_SOURCE
// and does not import linux/if_packet.h: mmsghdr, sendmmsg, sockaddr_ll, the TPACKET_V2
// ring and the PACKET_* socket options. Every symbol is prefixed pr_.
//
// _GNU_SOURCE is defined only in shim.c: defining it here would give the system headers a
// second, different shape inside this module and clash with Glibc's (fd_set, for one).

#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

/// struct mmsghdr, which glibc declares only under _GNU_SOURCE. Same layout (checked in shim.c).
struct pr_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// Opens a non-blocking, close-on-exec AF_PACKET/SOCK_RAW socket that sees only `ethertype`
/// frames of interface `ifindex` and never its own outgoing ones. Returns the fd or -errno.
int pr_packet_socket_open(int ifindex, uint16_t ethertype);

/// A TPACKET_V2 receive ring mapped into our memory: frame `i`'s tpacket2_hdr sits at
/// `map + i * frame_size`, and the kernel hands a frame over by setting TP_STATUS_USER in it.
struct pr_rx_ring {
    unsigned char *map;
    size_t map_length;
    unsigned int frame_size;
    unsigned int frame_count;
};

/// Like pr_packet_socket_open, with a receive ring of `frame_count` frames of `frame_size` bytes
/// (a power of two, at most `block_size`) in blocks of `block_size` bytes (a multiple of the page
/// size), mapped into `ring`. The ring exists before the socket is bound, so no frame can queue
/// beside it. Returns the fd or -errno.
int pr_packet_ring_open(int ifindex, uint16_t ethertype, unsigned int frame_size,
                        unsigned int frame_count, unsigned int block_size, struct pr_rx_ring *ring);

/// Unmaps a ring made by pr_packet_ring_open and closes its socket.
void pr_packet_ring_close(int fd, struct pr_rx_ring *ring);

/// Takes the socket's pending error (SO_ERROR), clearing it; 0 if none. A packet socket gets
/// ENETDOWN when its device goes down or is down when bound. recv(2) would report and clear it;
/// nothing calls recv on a ring socket, so left alone it would fail our next send (losing a
/// frame) and keep poll(2) returning POLLERR.
int pr_socket_take_error(int fd);

/// Frames the kernel dropped on `fd` because its queue or ring was full, since the last call.
unsigned int pr_packet_drops(int fd);

/// Frame `index`'s header if the kernel has handed it to us, else NULL. The acquire load
/// orders our reads of the frame after the kernel's writes.
static inline struct tpacket2_hdr *pr_rx_ring_ready(const struct pr_rx_ring *ring, unsigned int index) {
    struct tpacket2_hdr *header = (struct tpacket2_hdr *)(ring->map + (size_t)index * ring->frame_size);
    return (__atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) ? header : NULL;
}

/// Whether frame `header` may have arrived with an 802.1Q/802.1ad tag. A tag that no VLAN
/// device took is cleared by the kernel before it hands the frame to a socket bound to one
/// ethertype, which sees the frame untagged but marked PACKET_OTHERHOST (net/core/dev.c); a
/// tag still in metadata shows as TP_STATUS_VLAN_VALID. OTHERHOST also marks frames for
/// another MAC on a promiscuous device: the caller tells the two apart by the destination.
static inline int pr_rx_ring_maybe_tagged(const struct tpacket2_hdr *header) {
    const struct sockaddr_ll *link =
        (const struct sockaddr_ll *)((const unsigned char *)header + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
    return (header->tp_status & TP_STATUS_VLAN_VALID) || link->sll_pkttype == PACKET_OTHERHOST;
}

/// Hands frame `index` back to the kernel; the release store orders our writes before it.
static inline void pr_rx_ring_release(const struct pr_rx_ring *ring, unsigned int index) {
    struct tpacket2_hdr *header = (struct tpacket2_hdr *)(ring->map + (size_t)index * ring->frame_size);
    __atomic_store_n(&header->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/// Up to `count` (at most 64) frames in one recvmmsg(2), without blocking, into `count` buffers
/// of `frame_size` bytes laid end to end: a discovery flood costs one system call per batch, not
/// per frame. For each frame, its length (`frame_size + 1` when it did not fit) and whether it
/// may have arrived with a VLAN tag (see pr_rx_ring_maybe_tagged; the socket must be one of
/// pr_packet_socket_open's, which asks for PACKET_AUXDATA). Returns the number of frames or -errno.
int pr_packet_receive_batch(int fd, void *buffers, size_t frame_size, unsigned int count,
                            size_t *lengths, int *maybe_tagged);

/// sendmmsg(2) without blocking; returns the number sent, or -errno.
int pr_sendmmsg(int fd, struct pr_mmsghdr *msgs, unsigned int count);

/// Points message `index` of a batch at its iovec and that at a buffer: the layout work done
/// once when a batch is allocated, never per frame. No address: the sockets are bound.
void pr_mmsg_init(struct pr_mmsghdr *msgs, struct iovec *iovs, unsigned int index, void *buffer, size_t length);

/// Blocks SIGINT, SIGTERM and SIGHUP for the calling thread and returns a signalfd that
/// reports them, so the event loop sees signals as readable data. Returns the fd or -errno.
int pr_termination_signalfd(void);

/// Reads one pending signal number from a signalfd made by pr_termination_signalfd, or -errno.
int pr_signalfd_read(int fd);

/// Starts `path` with `argv` as a daemon: a new session (no controlling terminal, untouched by the
/// caller's SIGHUP), stdin on /dev/null, stdout and stderr appended to `log_path`, every other
/// descriptor closed (so an SSH channel's pipe closes when the caller exits), default signal
/// dispositions and an empty signal mask. Returns the child's pid or -errno.
int pr_spawn_detached(const char *path, char *const argv[], const char *log_path);

/// Starts `path` with `argv` and `envp`, stdout on `stdout_fd`, stdin and stderr on /dev/null and
/// every other descriptor closed: a daemon the program starts inherits nothing of ours (Foundation's
/// Process would hand it descriptors whose closing it then waits for). Returns the pid or -errno.
int pr_spawn_captured(const char *path, char *const argv[], char *const envp[], int stdout_fd);

/// Moves the calling thread into the network namespace at `path` (/var/run/netns/NAME): how a
/// single benchmark process opens sockets in two namespaces. Returns 0 or -errno.
int pr_enter_netns(const char *path);

/// Returns freed heap memory to the system (glibc's malloc_trim; musl's allocator does this
/// by itself, so there it does nothing).
void pr_release_free_memory(void);

/// The command line as the C library handed it to the program, captured before main runs;
/// `*count` is 0 where it could not be (then CommandLine.arguments is the one to use). The
/// Swift runtime, linked statically, finds argv through /proc/self/maps, so without this a
/// relayctl in a chroot or jail without /proc would see no arguments at all.
char *const *pr_program_arguments(int *count);

/// The version this binary was built as: RELAYCTL_VERSION when the build defined it
/// (scripts/build-release, from `git describe`), else "0.0.0-dev". A C define rather than Swift
/// source so that no generated file sits in the tree and a plain `swift build` still works.
const char *pr_build_version(void);

/// The rows and columns of the terminal on `fd` (TIOCGWINSZ, which Swift cannot call: ioctl is
/// variadic). Returns 0, or -errno when `fd` is no terminal.
int pr_terminal_size(int fd, unsigned short *rows, unsigned short *columns);

#endif
