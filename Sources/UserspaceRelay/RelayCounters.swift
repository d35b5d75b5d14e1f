/// What the relay did with every frame it looked at. Dropped frames carry their reason.
public struct RelayCounters: Sendable, Equatable {
    public var discoveryRelayed: UInt64 = 0
    public var sessionFramesToAC: UInt64 = 0
    public var sessionFramesToClient: UInt64 = 0
    public var sessionsCreated: UInt64 = 0
    public var sessionsEnded: UInt64 = 0
    public var padtSent: UInt64 = 0
    /// Session frames the kernel dataplane forwarded (from its per-session counters).
    public var kernelFramesToAC: UInt64 = 0
    public var kernelFramesToClient: UInt64 = 0
    /// TCP SYNs whose MSS was lowered, by direction.
    public var mssClampedToAC: UInt64 = 0
    public var mssClampedToClient: UInt64 = 0
    /// Sessions the kernel refused to take; the userspace loop carries them instead.
    public var offloadInstallFailed: UInt64 = 0

    /// Frames that fail to parse: short, wrong version/type, lengths past the end, truncated by the buffer.
    public var droppedMalformed: UInt64 = 0
    /// Unicast frames addressed to some other host (seen where the device is promiscuous).
    public var droppedNotForUs: UInt64 = 0
    /// Frames that arrived with an 802.1Q/802.1ad tag (VLAN id not 0) on a relay device, session
    /// or discovery: never relayed with the tag stripped.
    public var droppedVLANTagged: UInt64 = 0
    /// Session frames for a session the relay does not know (for example the router's own PPPoE).
    public var droppedUnknownSession: UInt64 = 0
    /// Discovery answers that belong to no client of ours (the router's own client, another relay).
    public var droppedDiscoveryNotOurs: UInt64 = 0
    /// A code arriving from the side that never sends it (PADO from a LAN, PADR from the WAN...).
    public var droppedWrongDirection: UInt64 = 0
    /// PADT whose source MAC and session id match no live session on that side: spoofed or stale.
    public var droppedUnmatchedPADT: UInt64 = 0
    /// PADR towards an access concentrator that made this client no offer we saw.
    public var droppedWithoutOffer: UInt64 = 0
    /// PADS refused because the session table was full (the client got Generic-Error).
    public var refusedTableFull: UInt64 = 0
    /// PADI/PADR too large to carry a Relay-Session-Id within the WAN MTU, or carrying more of
    /// the client's own Relay-Session-Id than the relay keeps to give back.
    public var droppedNoRoomForRelayTag: UInt64 = 0
    /// Discovery from a zero, multicast or broadcast source MAC: no host sends from those.
    public var droppedBadSource: UInt64 = 0
    /// PADIs over their source MAC's rate, and over the rate of all sources together.
    public var droppedPADIRateClient: UInt64 = 0
    public var droppedPADIRateOverall: UInt64 = 0
    /// PADO or PADS carrying our tag but answering no request we relayed recently (a PADS must
    /// answer a PADR this client sent to that AC): forged, replayed or late.
    public var droppedUnsolicitedAnswer: UInt64 = 0
    /// Untagged answers matching more than one waiting client (same Host-Uniq): given to neither.
    public var droppedAmbiguousAnswer: UInt64 = 0
    /// Offers beyond the number of ACs one client may hold.
    public var droppedOfferLimit: UInt64 = 0
    /// Offers from an AC-Name or for Service-Names the configuration does not allow.
    public var droppedACPolicy: UInt64 = 0
    /// PADS refused because the client already holds its allowed number of sessions.
    public var refusedClientLimit: UInt64 = 0
    /// PADIs the kernel dataplane's ingress policing dropped before they reached the relay,
    /// per source and overall (read once a second).
    public var kernelPolicedPADIClient: UInt64 = 0
    public var kernelPolicedPADIOverall: UInt64 = 0
    /// Frames the kernel would not take on send (queue full, device down).
    public var droppedSendFailed: UInt64 = 0
    /// Frames the kernel dropped before we saw them because a receive ring or queue was full:
    /// the loop fell behind (read once a second).
    public var droppedReceiveOverflow: UInt64 = 0

    public init() {}

    /// Name and value of every counter, in a fixed order, for status output.
    public var fields: [(name: String, value: UInt64)] {
        [
            ("discovery_relayed", discoveryRelayed),
            ("session_frames_to_ac", sessionFramesToAC),
            ("session_frames_to_client", sessionFramesToClient),
            ("sessions_created", sessionsCreated),
            ("sessions_ended", sessionsEnded),
            ("padt_sent", padtSent),
            ("kernel_frames_to_ac", kernelFramesToAC),
            ("kernel_frames_to_client", kernelFramesToClient),
            ("offload_install_failed", offloadInstallFailed),
            ("mss_clamped_to_ac", mssClampedToAC),
            ("mss_clamped_to_client", mssClampedToClient),
            ("dropped_malformed", droppedMalformed),
            ("dropped_not_for_us", droppedNotForUs),
            ("dropped_vlan_tagged", droppedVLANTagged),
            ("dropped_unknown_session", droppedUnknownSession),
            ("dropped_discovery_not_ours", droppedDiscoveryNotOurs),
            ("dropped_wrong_direction", droppedWrongDirection),
            ("dropped_unmatched_padt", droppedUnmatchedPADT),
            ("dropped_without_offer", droppedWithoutOffer),
            ("refused_table_full", refusedTableFull),
            ("dropped_no_room_for_relay_tag", droppedNoRoomForRelayTag),
            ("dropped_bad_source", droppedBadSource),
            ("dropped_padi_rate_client", droppedPADIRateClient),
            ("dropped_padi_rate_overall", droppedPADIRateOverall),
            ("kernel_policed_padi_client", kernelPolicedPADIClient),
            ("kernel_policed_padi_overall", kernelPolicedPADIOverall),
            ("dropped_unsolicited_answer", droppedUnsolicitedAnswer),
            ("dropped_ambiguous_answer", droppedAmbiguousAnswer),
            ("dropped_offer_limit", droppedOfferLimit),
            ("dropped_ac_policy", droppedACPolicy),
            ("refused_client_limit", refusedClientLimit),
            ("dropped_send_failed", droppedSendFailed),
            ("dropped_receive_overflow", droppedReceiveOverflow),
        ]
    }
}
