/// What the daemon answers a request it will not serve; `relayctl` prints `error` and exits 1.
public struct ControlErrorReply: Codable, Sendable {
    public let error: String

    public init(error: String) { self.error = error }
}
