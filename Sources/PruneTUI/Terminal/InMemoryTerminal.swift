import Foundation
import Synchronization

/// A clock that only moves when told to; for tests.
public final class ManualTime: TimeSource, Sendable {
    private let seconds: Mutex<Double>
    public init(_ start: Double = 0) { seconds = Mutex(start) }
    public func now() -> Double { seconds.withLock { $0 } }
    /// Moves the clock forward.
    public func advance(by s: Double) { seconds.withLock { $0 += s } }
}

/// A terminal that is a grid of cells in memory: what tests draw to and read
/// back as text. Input comes from a script; when the script runs out the
/// driver reports `.interrupt`, so a run loop always ends.
public final class InMemoryTerminal: TerminalDriver {
    public private(set) var size: Size
    public let capability: ColorCapability
    public let glyphs: Glyphs
    public let manualTime: ManualTime
    public var time: any TimeSource { manualTime }

    /// What the terminal shows now.
    public private(set) var screen: CellBuffer
    /// Cells sent by the last `present`.
    public private(set) var lastCellsWritten = 0
    /// Number of frames presented.
    public private(set) var framesPresented = 0
    /// Events still to be read, in order. `nil` entries stand for a timeout.
    public var script: [TerminalEvent?]

    public init(
        size: Size, capability: ColorCapability = .truecolor, glyphs: Glyphs = .unicode,
        script: [TerminalEvent?] = [], time: ManualTime = ManualTime()
    ) {
        self.size = size
        self.capability = capability
        self.glyphs = glyphs
        self.script = script
        self.manualTime = time
        screen = CellBuffer(size: size)
    }

    @discardableResult
    public func present(_ frame: CellBuffer, previous: CellBuffer?) -> Int {
        framesPresented += 1
        if screen.size != frame.size { screen = CellBuffer(size: frame.size) }
        let usePrevious = previous.map { $0.size == frame.size } ?? false
        let n = screen.apply(frame, diffingAgainst: usePrevious ? previous : nil)
        lastCellsWritten = n
        return n
    }

    public func readEvent(timeout: Double, waker: Waker?) -> TerminalEvent? {
        guard !script.isEmpty else { return .interrupt }
        let next = script.removeFirst()
        switch next {
        case .none:
            manualTime.advance(by: timeout)
            return nil
        case .resize(let s)?:
            size = s
            return .resize(s)
        case let e?:
            return e
        }
    }

    /// Changes the size as a terminal resize would (without an event).
    public func resize(to s: Size) { size = s }

    public func suspend() {}
    public func resume() {}

    /// The screen as plain text.
    public var text: String { screen.text }
    /// The screen as text plus a style map.
    public var styledText: String { screen.styledText }
}
