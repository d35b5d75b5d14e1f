import JSON

/// A vendor or kernel fast path that corrupts relayed PPPoE (it short-cuts frames past the
/// relay) and must be off while the relay runs: how to find it, read it, switch it off and put
/// it back. Every path is under `root`, so a fake tree can stand in for a router. Class-bound:
/// the known accelerators live in one list of `any Accelerator`, and Embedded Swift holds
/// existentials only of class-bound protocols.
protocol Accelerator: AnyObject, Sendable {
    /// Stable name, used in the saved state and in `relayctl fastpath status`.
    var name: String { get }
    /// nil when this accelerator is not on the machine.
    func probe(_ system: SystemAccess) -> Probe?
    /// Switches it off; `probe` said it was on.
    func switchOff(_ system: SystemAccess) throws(FastPathError)
    /// Puts back what `probe` saw before `switchOff`.
    func restore(_ system: SystemAccess, to found: Probe) throws(FastPathError)
}

/// What was found: on or off, plus whatever values restoring needs (for example both firewall4
/// options), and a word on how sure the reading is.
public struct Probe: JSONObjectEncodable, JSONObjectDecodable, Sendable, Equatable {
    public var on: Bool
    public var values: [String: String]
    /// Set where the state could not be read and was assumed.
    public var note: String?

    public init(on: Bool, values: [String: String] = [:], note: String? = nil) {
        self.on = on
        self.values = values
        self.note = note
    }

    public init(from object: JSONObjectReader) throws(JSONError) {
        on = try object.read("on")
        values = try object.read("values")
        note = try object.readIfPresent("note")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("on", on)
        try object.write("values", values)
        try object.writeIfPresent("note", note)
    }
}

/// A failure to read or change an accelerator, in one line naming it.
public struct FastPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    /// The errno of the system call that failed, read right after it; nil where no call
    /// failed (a program's exit status, a short write).
    public let errno: Int32?

    public init(_ description: String, errno: Int32? = nil) {
        self.description = description
        self.errno = errno
    }
}
