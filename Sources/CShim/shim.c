#define _GNU_SOURCE
#include "CShim.h"

#include <errno.h>
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <spawn.h>
#include <dirent.h>
#include <stdlib.h>

extern char **environ;
#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <sched.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/ioctl.h>

static_assert(sizeof(struct pr_mmsghdr) == sizeof(struct mmsghdr), "pr_mmsghdr must match mmsghdr");
static_assert(offsetof(struct pr_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "pr_mmsghdr must match mmsghdr");

/// An AF_PACKET socket that hears nothing yet: protocol 0 registers no receive hook, so no frame
/// of any interface queues before bind() narrows it to one interface and ethertype.
static int packet_socket_unbound(void) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    // Without this every frame we send on an interface comes back to the other sockets
    // bound there. Kernels before 4.20 lack it; the relay also checks the destination MAC.
    int one = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    return fd;
}

static int packet_socket_bind(int fd, int ifindex, uint16_t ethertype) {
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof addr);
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ethertype);
    addr.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -errno;
    // A device that is down (just created, say) leaves ENETDOWN pending on the socket; it is no
    // error of ours, and the socket works once the device comes up.
    (void)pr_socket_take_error(fd);
    return 0;
}

int pr_socket_take_error(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return errno;
    return error;
}

int pr_packet_socket_open(int ifindex, uint16_t ethertype) {
    int fd = packet_socket_unbound();
    if (fd < 0) return fd;
    int one = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
    int rc = packet_socket_bind(fd, ifindex, ethertype);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int pr_packet_ring_open(int ifindex, uint16_t ethertype, unsigned int frame_size,
                        unsigned int frame_count, unsigned int block_size, struct pr_rx_ring *ring) {
    memset(ring, 0, sizeof *ring);
    if (frame_size == 0 || block_size % frame_size != 0 || frame_count % (block_size / frame_size) != 0)
        return -EINVAL;
    int fd = packet_socket_unbound();
    if (fd < 0) return fd;
    int version = TPACKET_V2;
    struct tpacket_req request = {
        .tp_block_size = block_size,
        .tp_block_nr = frame_count / (block_size / frame_size),
        .tp_frame_size = frame_size,
        .tp_frame_nr = frame_count,
    };
    int rc = 0;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof request) < 0) {
        rc = -errno;
    } else {
        size_t length = (size_t)block_size * request.tp_block_nr;
        void *map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            rc = -errno;
        } else {
            ring->map = map;
            ring->map_length = length;
            ring->frame_size = frame_size;
            ring->frame_count = frame_count;
            rc = packet_socket_bind(fd, ifindex, ethertype);
        }
    }
    if (rc < 0) {
        pr_packet_ring_close(fd, ring);
        return rc;
    }
    return fd;
}

void pr_packet_ring_close(int fd, struct pr_rx_ring *ring) {
    if (ring->map) munmap(ring->map, ring->map_length);
    memset(ring, 0, sizeof *ring);
    if (fd >= 0) close(fd);
}

unsigned int pr_packet_drops(int fd) {
    struct tpacket_stats stats;
    socklen_t length = sizeof stats;
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) < 0) return 0;
    return stats.tp_drops;
}

int pr_packet_receive_batch(int fd, void *buffers, size_t frame_size, unsigned int count,
                            size_t *lengths, int *maybe_tagged) {
    enum { most = 64 };
    if (count > most) count = most;
    struct sockaddr_ll from[most];
    union {
        struct cmsghdr header;
        unsigned char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } control[most];
    struct iovec iov[most];
    struct mmsghdr messages[most];
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        iov[i].iov_base = (char *)buffers + i * frame_size;
        iov[i].iov_len = frame_size;
        messages[i].msg_hdr.msg_name = &from[i];
        messages[i].msg_hdr.msg_namelen = sizeof from[i];
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = &control[i];
        messages[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int n;
    do { n = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        struct msghdr *message = &messages[i].msg_hdr;
        /* A frame longer than its buffer is reported one byte longer than the buffer. */
        lengths[i] = (message->msg_flags & MSG_TRUNC) ? frame_size + 1 : messages[i].msg_len;
        int tagged = from[i].sll_pkttype == PACKET_OTHERHOST;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(message); c; c = CMSG_NXTHDR(message, c)) {
            if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
                c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
                struct tpacket_auxdata aux;
                memcpy(&aux, CMSG_DATA(c), sizeof aux);
                if (aux.tp_status & TP_STATUS_VLAN_VALID) tagged = 1;
            }
        }
        maybe_tagged[i] = tagged;
    }
    return n;
}

int pr_sendmmsg(int fd, struct pr_mmsghdr *msgs, unsigned int count) {
    for (;;) {
        int n = sendmmsg(fd, (struct mmsghdr *)msgs, count, MSG_DONTWAIT);
        if (n >= 0) return n;
        if (errno != EINTR) return -errno;
    }
}

void pr_mmsg_init(struct pr_mmsghdr *msgs, struct iovec *iovs, unsigned int index, void *buffer, size_t length) {
    iovs[index].iov_base = buffer;
    iovs[index].iov_len = length;
    memset(&msgs[index], 0, sizeof msgs[index]);
    msgs[index].msg_hdr.msg_iov = &iovs[index];
    msgs[index].msg_hdr.msg_iovlen = 1;
}

static void termination_set(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

int pr_termination_signalfd(void) {
    sigset_t set;
    termination_set(&set);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -EINVAL;
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int pr_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n < 0) return -errno;
    if ((size_t)n != sizeof info) return -EIO;
    return (int)info.ssi_signo;
}

/// Every descriptor from 3 up closed in the child. glibc has an action for that; musl does not,
/// so there each descriptor open now (read from /proc/self/fd, or every number below a bound
/// where /proc is missing) gets a close action of its own; musl's child ignores a close that fails.
static void spawn_close_from_3(posix_spawn_file_actions_t *actions) {
#if defined(__GLIBC__)
    posix_spawn_file_actions_addclosefrom_np(actions, 3);
#else
    DIR *directory = opendir("/proc/self/fd");
    if (directory == NULL) {
        long limit = sysconf(_SC_OPEN_MAX);
        if (limit < 0 || limit > 4096) limit = 4096;
        for (int fd = 3; fd < limit; fd++) posix_spawn_file_actions_addclose(actions, fd);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        int fd = atoi(entry->d_name);
        if (fd >= 3 && fd != dirfd(directory)) posix_spawn_file_actions_addclose(actions, fd);
    }
    closedir(directory);
#endif
}

int pr_spawn_detached(const char *path, char *const argv[], const char *log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    spawn_close_from_3(&actions);
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return rc == 0 ? (int)pid : -rc;
}

int pr_spawn_captured(const char *path, char *const argv[], char *const envp[], int stdout_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    spawn_close_from_3(&actions);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, path, &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? (int)pid : -rc;
}

int pr_enter_netns(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = setns(fd, CLONE_NEWNET);
    int saved = errno;
    close(fd);
    return rc == 0 ? 0 : -saved;
}

void pr_release_free_memory(void) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static int pr_argument_count;
static char *const *pr_argument_vector;

#ifdef __GLIBC__
/// glibc calls the functions in .init_array with argc, argv and envp (musl calls them with
/// nothing, so there the count stays 0).
static void pr_capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    pr_argument_count = argc;
    pr_argument_vector = argv;
}
__attribute__((section(".init_array"), used))
static void (*const pr_capture_arguments_entry)(int, char **, char **) = pr_capture_arguments;
#endif

char *const *pr_program_arguments(int *count) {
    *count = pr_argument_vector ? pr_argument_count : 0;
    return pr_argument_vector;
}

#ifndef RELAYCTL_VERSION
#define RELAYCTL_VERSION "0.0.0-dev"
#endif

const char *pr_build_version(void) {
    return RELAYCTL_VERSION;
}

int pr_terminal_size(int fd, unsigned short *rows, unsigned short *columns) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) < 0) return -errno;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 0;
}
