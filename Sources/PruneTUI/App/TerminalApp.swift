import Foundation
import Synchronization

/// What an app wants after handling an event.
public enum AppAction: Sendable {
    case `continue`
    case quit
}

/// An immediate-mode app: a state value that draws itself and reacts to
/// events. `AppRunner` drives it: render -> present (diffed) -> wait for
/// input, a posted message or the tick -> handle -> render again.
public protocol TerminalApp {
    associatedtype Message: Sendable

    /// Below this size the runner shows "need W x H, have w x h" instead (q still quits).
    var minimumSize: Size { get }
    /// The theme to draw with; read before every frame.
    var theme: Theme { get }

    /// Draws the whole screen into `buffer` (already cleared to the theme's background).
    mutating func render(into buffer: inout CellBuffer, context: DrawContext)
    /// Reacts to a key, mouse, resize, interrupt or posted message.
    mutating func handle(_ event: AppEvent<Message>, context: DrawContext) -> AppAction
    /// Called about every tick interval; return true if the screen should be redrawn
    /// (e.g. a message expired, an animation moved).
    mutating func tick(now: Double) -> Bool
    /// Whether q quits now; false while q is text (a prompt is open). Tells
    /// the driver whether q may end a stuck program (see `BusyWatchdog`).
    var quitsOnQ: Bool { get }
}

extension TerminalApp {
    public var theme: Theme { .builtinDefault }
    public mutating func tick(now: Double) -> Bool { false }
    public var quitsOnQ: Bool { true }
}

/// A thread-safe queue of messages for the UI thread, which it wakes.
public final class Mailbox<Message: Sendable>: Sendable {
    private let queue = Mutex<[Message]>([])
    /// Wakes the UI thread's wait for input.
    public let waker = Waker()

    public init() {}

    /// Queues a message and wakes the UI thread. Safe from any thread or task.
    public func post(_ message: Message) {
        queue.withLock { $0.append(message) }
        waker.wake()
    }

    /// Takes every queued message, oldest first.
    public func drain() -> [Message] {
        queue.withLock { q in
            let all = q
            q.removeAll(keepingCapacity: true)
            return all
        }
    }
}

/// Runs a `TerminalApp` on a driver until it quits or an interrupt arrives.
public final class AppRunner<App: TerminalApp> {
    public private(set) var app: App
    public let driver: any TerminalDriver
    /// Post messages here from background work; they arrive as `.message`.
    public let mailbox: Mailbox<App.Message>
    /// Seconds between ticks (and the longest the loop sleeps).
    public var tickInterval: Double
    /// Draw-plus-present time of each frame, in seconds (the last 1000).
    public private(set) var frameTimes: [Double] = []
    /// Whether the last `run` ended because of Ctrl-C / SIGTERM / SIGHUP.
    public private(set) var wasInterrupted = false

    private var current: CellBuffer
    private var previous: CellBuffer?
    private var lastTheme: Theme?
    private var context: DrawContext

    /// - Parameters:
    ///   - mailbox: where background work posts messages; create it first
    ///     when the app itself needs to hand out its `post`.
    ///   - tickInterval: seconds between `tick` calls (the loop wakes at least this often).
    public init(app: App, driver: any TerminalDriver, mailbox: Mailbox<App.Message> = Mailbox(), tickInterval: Double = 0.03) {
        self.app = app
        self.mailbox = mailbox
        self.driver = driver
        self.tickInterval = tickInterval
        current = CellBuffer(size: driver.size)
        context = DrawContext(theme: app.theme, glyphs: driver.glyphs, capability: driver.capability)
    }

    /// A Sendable way to post messages, for handing to background tasks.
    public var post: @Sendable (App.Message) -> Void {
        let box = mailbox
        return { box.post($0) }
    }

    /// Draws one frame now (renders and presents only what changed).
    public func drawFrame() {
        let t0 = driver.time.now()
        let theme = app.theme
        if theme != lastTheme {
            lastTheme = theme
            context = DrawContext(theme: theme, glyphs: driver.glyphs, capability: driver.capability)
            previous = nil
        }
        context.now = t0
        let size = driver.size
        let blank = Cell(" ", style: Style(fg: context.color(.foreground), bg: context.color(.background)))
        current.resize(to: size, fill: blank)
        let need = app.minimumSize
        if size.width < need.width || size.height < need.height {
            TooSmallScreen.render(into: &current, need: need, context: context)
        } else {
            app.render(into: &current, context: context)
        }
        driver.present(current, previous: previous)
        // Keep this frame for the next diff and reuse the older buffer's storage.
        let shown = current
        current = previous ?? CellBuffer(size: size)
        previous = shown
        let dt = driver.time.now() - t0
        if frameTimes.count >= 1000 { frameTimes.removeFirst(frameTimes.count - 999) }
        frameTimes.append(dt)
    }

    private var tooSmall: Bool {
        let s = driver.size, n = app.minimumSize
        return s.width < n.width || s.height < n.height
    }

    /// Runs until the app returns `.quit` or an interrupt (Ctrl-C, SIGTERM)
    /// has been delivered. Returns the final app state.
    @discardableResult
    public func run() -> App {
        drawFrame()
        driver.setQuitsOnQ(app.quitsOnQ)
        var lastTick = driver.time.now()
        loop: while true {
            let now = driver.time.now()
            let wait = max(0, tickInterval - (now - lastTick))
            var dirty = false
            if let e = driver.readEvent(timeout: wait, waker: mailbox.waker) {
                let event: AppEvent<App.Message>
                switch e {
                case .key(let k): event = .key(k)
                case .mouse(let m): event = .mouse(m)
                case .resize(let s): event = .resize(s); previous = nil
                case .interrupt:
                    context.now = driver.time.now()
                    _ = app.handle(.interrupt, context: context)
                    wasInterrupted = true
                    break loop
                }
                if tooSmall, case .key(let k) = event, k == .char("q") { break loop }
                if tooSmall, case .key = event { continue }
                context.now = driver.time.now()
                if app.handle(event, context: context) == .quit { break loop }
                dirty = true
            }
            for m in mailbox.drain() {
                context.now = driver.time.now()
                if app.handle(.message(m), context: context) == .quit { break loop }
                dirty = true
            }
            let t = driver.time.now()
            // A microsecond of slack so float rounding cannot stall the tick.
            if t - lastTick >= tickInterval - 1e-6 {
                lastTick = t
                if app.tick(now: t) { dirty = true }
            }
            if dirty {
                drawFrame()
                driver.setQuitsOnQ(app.quitsOnQ)
            }
        }
        return app
    }
}
