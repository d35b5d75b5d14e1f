import ArgumentParsing
import UserspaceRelay

/// Discovery limits and AC policy, shared by `run` and `enable`.
struct PolicyOptions: ArgumentGroup {
    static let arguments: [ArgumentDefinition] = [
        .option("max-sessions-per-client", as: Int.self, help: "Sessions one client MAC may hold at once; 0 = no limit.",
                defaultValue: "\(DiscoveryPolicy.standard.maxSessionsPerClient)"),
        .option("ac-name", help: "Relay only offers from an AC with this AC-Name (repeatable).", repeating: true),
        .option("service-name", help: "Relay only offers for this Service-Name (repeatable).", repeating: true),
        .option("padi-rate", as: Int.self, help: "PADIs relayed per second from all clients together; 0 = no limit.",
                defaultValue: "\(DiscoveryPolicy.standard.padiPerSecond)"),
        .option("padi-rate-per-client", as: Int.self,
                help: "PADIs per minute one client MAC may send after a burst of \(DiscoveryPolicy.standard.padiPerClientBurst); 0 = no limit.",
                defaultValue: "\(DiscoveryPolicy.standard.padiPerClientPerMinute)"),
    ]

    var maxSessionsPerClient: Int
    var acNames: [String]
    var serviceNames: [String]
    var padiPerSecond: Int
    var padiPerClientPerMinute: Int

    init(parsing values: ParsedValues) throws(UsageError) {
        maxSessionsPerClient = try values.value("max-sessions-per-client", as: Int.self)
            ?? DiscoveryPolicy.standard.maxSessionsPerClient
        acNames = values.strings("ac-name")
        serviceNames = values.strings("service-name")
        padiPerSecond = try values.value("padi-rate", as: Int.self) ?? DiscoveryPolicy.standard.padiPerSecond
        padiPerClientPerMinute = try values.value("padi-rate-per-client", as: Int.self)
            ?? DiscoveryPolicy.standard.padiPerClientPerMinute
    }

    var policy: DiscoveryPolicy {
        DiscoveryPolicy(maxSessionsPerClient: maxSessionsPerClient, acNames: acNames, serviceNames: serviceNames,
                        padiPerClientPerMinute: padiPerClientPerMinute, padiPerSecond: padiPerSecond)
    }
}
