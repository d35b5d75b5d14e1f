/// A broken invariant ends the run with a trap, which libFuzzer reports as a crash and saves the
/// input for; the message says which property failed, since the stack alone rarely does.
public func expect(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                   file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    fatalError("invariant broken: \(message())", file: file, line: line)
}
