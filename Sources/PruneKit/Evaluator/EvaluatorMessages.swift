import Foundation

/// The messages of PruneScope's evaluator protocol (docs/evaluator-protocol.md):
/// JSON objects, one per line, requests on the evaluator's stdin and
/// answers on its stdout.
public enum EvaluatorProtocol {
    /// The protocol version this PruneScope speaks; a `hello` with another is refused.
    public static let version = 1
    /// The longest answer line read; a longer one is garbage, not an answer.
    static let longestLine = 1 << 20
}

/// One figure an evaluator reports, and which way is better.
public struct EvaluatorMetric: Codable, Sendable, Equatable {
    public enum Direction: String, Codable, Sendable { case higher, lower }
    public var name: String
    public var better: Direction

    public init(name: String, better: Direction) {
        self.name = name
        self.better = better
    }

    /// `value` for the screen: a percentage for an accuracy-like fraction
    /// (the name says "acc" and the value is in [0, 1]), else 4 decimals.
    public func formatted(_ value: Double) -> String {
        name.lowercased().contains("acc") && (0...1).contains(value)
            ? Format.percent(value, digits: 2) : Format.decimal(value, digits: 4)
    }
}

/// What an evaluator says about itself when it starts.
public struct EvaluatorHello: Sendable, Equatable {
    /// Its name, for the screen and messages (e.g. "numpy-mlp digits-mlp").
    public var name: String
    /// The figures each result carries; the first is the primary one,
    /// shown wherever PruneScope shows accuracy.
    public var metrics: [EvaluatorMetric]
    /// The tensors it can mask; masks for other names are an error there.
    public var tensors: [String]
    /// Samples in a full evaluation, when it knows.
    public var samples: Int?

    /// The primary figure.
    public var primary: EvaluatorMetric { metrics[0] }

    public init(name: String, metrics: [EvaluatorMetric], tensors: [String], samples: Int?) {
        precondition(!metrics.isEmpty, "an evaluator reports at least one metric")
        self.name = name
        self.metrics = metrics
        self.tensors = tensors
        self.samples = samples
    }
}

/// One evaluation's answer.
public struct EvaluatorResult: Sendable, Equatable {
    /// Every metric the hello named, by name.
    public var metrics: [String: Double]
    /// Samples evaluated.
    public var samples: Int
    /// The evaluator's own time for the request.
    public var seconds: Double

    public init(metrics: [String: Double], samples: Int, seconds: Double) {
        self.metrics = metrics
        self.samples = samples
        self.seconds = seconds
    }
}

/// An answer line, decoded by its `type`.
enum EvaluatorAnswer: Equatable {
    case hello(EvaluatorHello, protocolVersion: Int)
    case result(id: Int, EvaluatorResult)
    case cancelled(id: Int)
    /// `id` nil: the evaluator as a whole failed.
    case error(id: Int?, message: String)

    private struct Envelope: Decodable { var type: String }
    private struct Hello: Decodable {
        var `protocol`: Int
        var name: String?
        var metrics: [EvaluatorMetric]
        var tensors: [String]
        var samples: Int?
    }
    private struct Result: Decodable {
        var id: Int
        var metrics: [String: Double]
        var samples: Int
        var seconds: Double?
    }
    private struct Cancelled: Decodable { var id: Int }
    private struct Failure: Decodable {
        var id: Int?
        var message: String
    }

    /// Decodes one line, or says in a few words why it is not an answer.
    static func decode(_ line: String) -> Swift.Result<EvaluatorAnswer, NotAnAnswer> {
        let data = Data(line.utf8)
        let decoder = JSONDecoder()
        guard let envelope = try? decoder.decode(Envelope.self, from: data) else {
            return .failure(NotAnAnswer(why: "not a protocol message"))
        }
        do {
            switch envelope.type {
            case "hello":
                let h = try decoder.decode(Hello.self, from: data)
                guard !h.metrics.isEmpty else { return .failure(NotAnAnswer(why: "a hello without metrics")) }
                let hello = EvaluatorHello(name: h.name ?? "evaluator", metrics: h.metrics, tensors: h.tensors, samples: h.samples)
                return .success(.hello(hello, protocolVersion: h.protocol))
            case "result":
                let r = try decoder.decode(Result.self, from: data)
                guard r.metrics.values.allSatisfy(\.isFinite) else {
                    return .failure(NotAnAnswer(why: "a result with a non-finite metric"))
                }
                return .success(.result(id: r.id, EvaluatorResult(metrics: r.metrics, samples: r.samples, seconds: r.seconds ?? 0)))
            case "cancelled":
                return .success(.cancelled(id: try decoder.decode(Cancelled.self, from: data).id))
            case "error":
                let f = try decoder.decode(Failure.self, from: data)
                return .success(.error(id: f.id, message: f.message))
            default:
                return .failure(NotAnAnswer(why: "an unknown message type \"\(envelope.type)\""))
            }
        } catch {
            return .failure(NotAnAnswer(why: "a \(envelope.type) message with missing or mistyped fields"))
        }
    }
}

/// Why a line is not an answer, in a few words.
struct NotAnAnswer: Error, Equatable {
    var why: String
}

/// A request line to the evaluator.
enum EvaluatorRequest: Encodable {
    case evaluate(id: Int, masks: String, weights: String?, limit: Int?)
    case cancel(id: Int)
    case shutdown

    private enum Keys: String, CodingKey { case type, id, masks, weights, limit }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .evaluate(let id, let masks, let weights, let limit):
            try c.encode("evaluate", forKey: .type)
            try c.encode(id, forKey: .id)
            try c.encode(masks, forKey: .masks)
            try c.encodeIfPresent(weights, forKey: .weights)
            try c.encodeIfPresent(limit, forKey: .limit)
        case .cancel(let id):
            try c.encode("cancel", forKey: .type)
            try c.encode(id, forKey: .id)
        case .shutdown:
            try c.encode("shutdown", forKey: .type)
        }
    }

    /// The request as one line, newline included.
    var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and integers cannot fail.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
