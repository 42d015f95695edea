/// The value of a slider: a number in a range moved by coarse and fine steps.
public struct SliderState: Hashable, Sendable {
    public private(set) var value: Double
    public var range: ClosedRange<Double>
    public var coarseStep: Double
    public var fineStep: Double
    /// Whether a mouse drag that started on the track is in progress.
    public private(set) var dragging = false

    public init(value: Double, range: ClosedRange<Double>, coarseStep: Double, fineStep: Double) {
        self.range = range; self.coarseStep = coarseStep; self.fineStep = fineStep
        self.value = min(range.upperBound, max(range.lowerBound, value))
    }

    /// Sets the value, clamped to the range.
    public mutating func set(_ v: Double) {
        value = min(range.upperBound, max(range.lowerBound, v.isFinite ? v : range.lowerBound))
    }

    /// Position of the value in the range, 0...1.
    public var fraction: Double {
        let span = range.upperBound - range.lowerBound
        return span > 0 ? (value - range.lowerBound) / span : 0
    }

    /// Keys: Left/Right and h/l move by the coarse step, Shift-Left/Right
    /// and `<`/`>` (or `,`/`.`) by the fine step, Home/End to the ends.
    /// Returns whether the value changed.
    public mutating func handle(_ key: Key) -> Bool {
        let old = value
        switch key {
        case .left, .char("h"): set(value - coarseStep)
        case .right, .char("l"): set(value + coarseStep)
        case .shiftLeft, .char("<"), .char(","): set(value - fineStep)
        case .shiftRight, .char(">"), .char("."): set(value + fineStep)
        case .home: set(range.lowerBound)
        case .end: set(range.upperBound)
        default: return false
        }
        return value != old
    }

    /// Mouse: a press on the track jumps there and starts a drag, drags
    /// follow the pointer (snapped to the fine step), release ends it; the
    /// wheel moves by the fine step. `track` is from `Slider.layout`.
    /// Returns whether the value changed.
    public mutating func handle(_ mouse: MouseEvent, track: Rect) -> Bool {
        let old = value
        switch mouse.kind {
        case .press, .click:
            guard track.contains(mouse.position) else { return false }
            dragging = mouse.kind == .press
            set(valueAt(x: mouse.position.x, track: track))
        case .drag:
            guard dragging else { return false }
            set(valueAt(x: mouse.position.x, track: track))
        case .release:
            if dragging { set(valueAt(x: mouse.position.x, track: track)) }
            dragging = false
        case .wheelUp:
            guard track.contains(mouse.position) else { return false }
            set(value + fineStep)
        case .wheelDown:
            guard track.contains(mouse.position) else { return false }
            set(value - fineStep)
        case .doubleClick:
            return false
        }
        return value != old
    }

    /// The value under column `x` of the track.
    public func valueAt(x: Int, track: Rect) -> Double {
        let span = range.upperBound - range.lowerBound
        let f = track.width > 1 ? Double(x - track.x) / Double(track.width - 1) : 0
        var v = range.lowerBound + min(1, max(0, f)) * span
        if fineStep > 0 { v = (v / fineStep).rounded() * fineStep }
        return v
    }
}

/// One line: `label [━━━━●─────] readout`.
public struct Slider: Sendable {
    public var label: String
    public var readout: String
    public var state: SliderState
    public var focused: Bool

    public init(label: String, state: SliderState, readout: String, focused: Bool = false) {
        self.label = label; self.state = state; self.readout = readout; self.focused = focused
    }

    /// Where the label, the track and the readout go in `area` (first row).
    public static func layout(area: Rect, label: String, readout: String) -> (label: Rect, track: Rect, readout: Rect) {
        let lw = label.isEmpty ? 0 : min(CellBuffer.columns(of: label) + 1, max(0, area.width / 3))
        let rw = min(CellBuffer.columns(of: readout), max(0, area.width / 3))
        let trackW = max(0, area.width - lw - rw - 3)
        let l = Rect(x: area.x, y: area.y, width: lw, height: min(1, area.height))
        let t = Rect(x: area.x + lw + 1, y: area.y, width: trackW, height: min(1, area.height))
        let r = Rect(x: area.x + lw + trackW + 3, y: area.y, width: rw, height: min(1, area.height))
        return (l, t, r)
    }

    public func render(into buffer: inout CellBuffer, area: Rect, context: DrawContext) {
        guard area.width > 0, area.height > 0 else { return }
        let parts = Slider.layout(area: area, label: label, readout: readout)
        let g = context.glyphs
        let labelStyle = focused ? context.base.adding(.bold) : context.base
        if parts.label.width > 0 {
            buffer.write(
                Text.truncate(label, to: parts.label.width - 1, ellipsis: g.ellipsis), x: parts.label.x, y: area.y, style: labelStyle)
        }
        let t = parts.track
        if t.width > 0 {
            buffer.set(t.x - 1, area.y, "[", context.muted)
            let knob = t.width > 1 ? Int((state.fraction * Double(t.width - 1)).rounded()) : 0
            for i in 0..<t.width {
                if i == knob {
                    buffer.set(t.x + i, area.y, g.sliderKnob, context.style(.sliderKnob, [.bold]))
                } else if i < knob {
                    buffer.set(t.x + i, area.y, g.sliderFill, context.style(.sliderFill))
                } else {
                    buffer.set(t.x + i, area.y, g.sliderEmpty, context.style(.sliderEmpty))
                }
            }
            buffer.set(t.maxX, area.y, "]", context.muted)
        }
        if parts.readout.width > 0 {
            buffer.write(
                Text.truncate(readout, to: parts.readout.width, ellipsis: g.ellipsis), x: parts.readout.x, y: area.y,
                style: context.base.adding(.bold))
        }
    }
}
