import JSON

/// What the daemon answers a request it will not serve; `relayctl` prints `error` and exits 1.
public struct ControlErrorReply: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
    public let error: String

    public init(error: String) { self.error = error }

    public init(from object: JSONObjectReader) throws(JSONError) {
        error = try object.read("error")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("error", error)
    }
}
