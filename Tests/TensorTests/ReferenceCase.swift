import Tensor

/// A reference case written by one of the Python scripts: a name and the Keras layer's attributes, decoded from
/// JSON. The attribute readers are shared by every kind of case (KernelCase, LayerGradientCase).
protocol ReferenceCase: CustomStringConvertible {
    var name: String { get }
    var attributes: [String: JSONValue] { get }
}

extension ReferenceCase {
    var description: String { name }

    func string(_ key: String) throws -> String {
        guard case .string(let value)? = attributes[key] else { throw GoldenError("\(name): no string '\(key)'") }
        return value
    }

    /// A number attribute in float32, as the layers take it; nil if absent or null.
    func number(_ key: String) -> Float? {
        if case .number(let value)? = attributes[key] { return Float(value) }
        return nil
    }

    func requiredNumber(_ key: String) throws -> Float {
        guard let value = number(key) else { throw GoldenError("\(name): no number '\(key)'") }
        return value
    }

    func integers(_ key: String) throws -> [Int] {
        guard case .array(let values)? = attributes[key] else { throw GoldenError("\(name): no array '\(key)'") }
        return try values.map { value in
            guard case .number(let number) = value else { throw GoldenError("\(name): '\(key)' holds a non-number") }
            return Int(number)
        }
    }

    /// A two-element attribute (strides, pool size, dilation) as the layers take it.
    func pair(_ key: String) throws -> (Int, Int) {
        let values = try integers(key)
        guard values.count == 2 else { throw GoldenError("\(name): attribute '\(key)' is not a pair") }
        return (values[0], values[1])
    }

    func flag(_ key: String) throws -> Bool {
        guard case .bool(let value)? = attributes[key] else { throw GoldenError("\(name): no flag '\(key)'") }
        return value
    }

    func padding() throws -> Padding {
        let value = try string("padding")
        guard let padding = Padding(rawValue: value) else { throw GoldenError("\(name): unknown padding '\(value)'") }
        return padding
    }

    /// The Swift activation for the case's Keras `activation` attribute (and optional `alpha`, or gelu's `approximate`).
    func activation() throws -> Activation {
        let name = try string("activation")
        switch (name, number("alpha")) {
        case ("elu", let alpha?): return .elu(alpha: alpha)
        case ("leaky_relu", let alpha?): return .leakyRelu(alpha: alpha)
        case ("gelu", _) where attributes["approximate"] != nil: return .gelu(approximate: try flag("approximate"))
        default: return try Activation(kerasName: name)
        }
    }
}

enum JSONValue: Sendable, Decodable {
    case number(Double), string(String), bool(Bool), array([JSONValue]), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { self = .array(try container.decode([JSONValue].self)) }
    }
}

/// A reference case that is missing or malformed (a failure, never a skip).
struct GoldenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
