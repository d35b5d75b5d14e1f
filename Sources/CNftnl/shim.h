#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/batch.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/set.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>

// <linux/netfilter.h> would pull in <linux/in.h>, whose structs clash with glibc's <netinet/in.h>
// inside Swift's Glibc module. These are the values we need from it (stable kernel ABI).
static const uint32_t pr_nfproto_netdev = 5;    // NFPROTO_NETDEV
static const uint32_t pr_nf_netdev_ingress = 0; // NF_NETDEV_INGRESS
static const uint32_t pr_nf_accept = 1;         // NF_ACCEPT
static const uint32_t pr_nf_drop = 0;           // NF_DROP
