import ArgumentParser
import UserspaceRelay

/// Discovery limits and AC policy, shared by `run` and `enable`.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("max-sessions-per-client"),
            help: "Sessions one client MAC may hold at once; 0 = no limit.")
    var maxSessionsPerClient = DiscoveryPolicy.standard.maxSessionsPerClient

    @Option(name: .customLong("ac-name"), help: "Relay only offers from an AC with this AC-Name (repeatable).")
    var acNames: [String] = []

    @Option(name: .customLong("service-name"), help: "Relay only offers for this Service-Name (repeatable).")
    var serviceNames: [String] = []

    @Option(name: .customLong("padi-rate"), help: "PADIs relayed per second from all clients together; 0 = no limit.")
    var padiPerSecond = DiscoveryPolicy.standard.padiPerSecond

    @Option(name: .customLong("padi-rate-per-client"),
            help: "PADIs per minute one client MAC may send after a burst of \(DiscoveryPolicy.standard.padiPerClientBurst); 0 = no limit.")
    var padiPerClientPerMinute = DiscoveryPolicy.standard.padiPerClientPerMinute

    var policy: DiscoveryPolicy {
        DiscoveryPolicy(maxSessionsPerClient: maxSessionsPerClient, acNames: acNames, serviceNames: serviceNames,
                        padiPerClientPerMinute: padiPerClientPerMinute, padiPerSecond: padiPerSecond)
    }
}
