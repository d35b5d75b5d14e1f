/// What a control protocol wants and accepts, which the RFC 1661 automaton consults: LCP,
/// IPCP and IPv6CP each supply one. Pure: no clock, no I/O.
public protocol ConfigurationPolicy {
    /// The options of our next Configure-Request, as adjusted by the peer's Naks and Rejects.
    mutating func request() -> [ConfigurationOption]
    /// Our answer to the peer's Configure-Request.
    mutating func review(_ options: [ConfigurationOption]) -> ConfigurationVerdict
    /// The peer acknowledged our request: these options hold.
    mutating func acknowledged(_ options: [ConfigurationOption])
    /// The peer suggested other values for these options.
    mutating func nakked(_ options: [ConfigurationOption])
    /// The peer refused these options: never ask for them again.
    mutating func rejected(_ options: [ConfigurationOption])
    /// One of the peer's options in words, for a report of why negotiation failed ("MRU 0").
    func describe(_ option: ConfigurationOption) -> String
}

extension ConfigurationPolicy {
    public func describe(_ option: ConfigurationOption) -> String { "option \(option.type)" }

    /// Options in words, for a report: "MRU 0 and authentication EAP".
    public func describe(_ options: [ConfigurationOption]) -> String {
        options.map { describe($0) }.joined(separator: " and ")
    }
}

/// The answer to a peer's Configure-Request (RFC 1661 §5.2-5.4): Reject wins over Nak, since
/// options that will never be accepted are named first.
public enum ConfigurationVerdict: Equatable, Sendable {
    case acknowledge
    case nak([ConfigurationOption])
    case reject([ConfigurationOption])

    /// Builds the verdict from per-option judgements, in the peer's order.
    public static func from(rejected: [ConfigurationOption], nakked: [ConfigurationOption]) -> ConfigurationVerdict {
        if !rejected.isEmpty { return .reject(rejected) }
        if !nakked.isEmpty { return .nak(nakked) }
        return .acknowledge
    }
}
