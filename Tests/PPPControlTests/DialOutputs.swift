import PPPControl

/// The packets of one protocol among a dialer's outputs, decoded.
func sent(_ outputs: [DialOutput], _ proto: PPPProtocol) -> [ControlPacket] {
    outputs.compactMap { output in
        guard case let .send(p, bytes) = output, p == proto else { return nil }
        return try? ControlPacket(parsing: bytes)
    }
}

/// The events among a dialer's outputs, in order.
func events(_ outputs: [DialOutput]) -> [DialEvent] {
    outputs.compactMap { if case let .event(event) = $0 { event } else { nil } }
}
