/// A token bucket for lines of one kind (the discovery decisions of `--verbose`): a burst,
/// then a steady rate; what it holds back is counted, to be reported in one line.
public struct LineBudget {
    public let perSecond: Int
    public let burst: Int
    private var tokens: Int
    private var refilled: Int64
    public private(set) var withheld: UInt64 = 0

    public init(perSecond: Int = 20, burst: Int = 100, now: Int64) {
        self.perSecond = perSecond
        self.burst = burst
        tokens = burst
        refilled = now
    }

    /// True when a line may go out now.
    public mutating func admit(now: Int64) -> Bool {
        if now > refilled {
            tokens = Int(min(Int64(burst), Int64(tokens) + (now - refilled) * Int64(perSecond)))
            refilled = now
        }
        guard tokens > 0 else {
            withheld &+= 1
            return false
        }
        tokens -= 1
        return true
    }

    /// The count withheld since the last call, and zero from now.
    public mutating func takeWithheld() -> UInt64 {
        defer { withheld = 0 }
        return withheld
    }
}
