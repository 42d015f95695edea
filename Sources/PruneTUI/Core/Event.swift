/// A key press, decoded from the terminal.
public enum Key: Hashable, Sendable {
    case char(Character)
    /// Ctrl plus a letter, lower-case (`.ctrl("r")` for Ctrl-R).
    case ctrl(Character)
    case up, down, left, right
    case shiftLeft, shiftRight, shiftUp, shiftDown
    case home, end, pageUp, pageDown
    case enter, escape, tab, backTab, backspace, delete, insert
    case function(Int)
}

/// What a mouse did, in cell coordinates of the whole screen.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case press, release, drag, click, doubleClick, wheelUp, wheelDown }
    public var kind: Kind
    /// 1 = left, 2 = middle, 3 = right; 0 when unknown (drags, wheel).
    public var button: Int
    public var position: Point
    public init(_ kind: Kind, button: Int = 1, x: Int, y: Int) {
        self.kind = kind; self.button = button; position = Point(x: x, y: y)
    }
}

/// Something the app reacts to. `Message` is the app's own event type,
/// posted from background work through `AppRunner.post`.
public enum AppEvent<Message: Sendable>: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    /// The terminal changed size; the next frame is drawn at `Size`.
    case resize(Size)
    /// Ctrl-C or SIGTERM arrived; the runner stops after delivering it.
    case interrupt
    /// Posted from another thread.
    case message(Message)
}

/// Input as a driver reads it (no app messages).
public enum TerminalEvent: Hashable, Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(Size)
    case interrupt
}

/// Seconds since an arbitrary origin; injectable so tests control time.
public protocol TimeSource: Sendable {
    func now() -> Double
}

/// The real monotonic clock.
public struct MonotonicTime: TimeSource {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Double {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
