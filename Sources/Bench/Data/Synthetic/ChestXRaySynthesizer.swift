import Foundation

/// Draws chest-radiograph-like grayscale images: body, two dark lung fields, spine, ribs and film
/// noise. Tuberculosis cases get one to three bright, mottled opacities in the upper lung fields,
/// where post-primary TB usually shows; normal cases get none. A CNN can learn that; a constant
/// guess on a balanced set scores 50%.
struct ChestXRaySynthesizer {
    let width: Int
    let height: Int

    /// Intensities in 0...1, row-major.
    func draw(tuberculosis: Bool, using generator: inout SeededGenerator) -> [Float] {
        let w = Double(width), h = Double(height)
        let lungY = h * generator.uniform(0.42, 0.48)
        let lungs = [w * generator.uniform(0.28, 0.33), w * generator.uniform(0.67, 0.72)]
        let lungRadii = (x: w * generator.uniform(0.14, 0.17), y: h * generator.uniform(0.26, 0.31))
        let ribPeriod = h * generator.uniform(0.06, 0.08), ribPhase = generator.uniform(0, 2 * .pi)
        var opacities: [(x: Double, y: Double, radius: Double, strength: Double)] = []
        if tuberculosis {
            for _ in 0..<(1 + generator.index(below: 3)) {
                let lung = lungs[generator.index(below: 2)]
                opacities.append((lung + lungRadii.x * generator.uniform(-0.5, 0.5),
                                  lungY - lungRadii.y * generator.uniform(0.2, 0.7),
                                  w * generator.uniform(0.05, 0.09), generator.uniform(0.3, 0.45)))
            }
        }
        var pixels = [Float](repeating: 0, count: width * height)
        for row in 0..<height {
            let y = Double(row)
            for column in 0..<width {
                let x = Double(column)
                var value = 0.08
                if ellipse(x, y, w * 0.5, h * 0.56, w * 0.46, h * 0.52) < 1 { value = 0.58 }
                for lung in lungs where ellipse(x, y, lung, lungY, lungRadii.x, lungRadii.y) < 1 {
                    let rib = pow(max(0, sin((y + 0.25 * abs(x - w / 2)) * 2 * .pi / ribPeriod + ribPhase)), 6)
                    value = 0.22 + 0.12 * rib
                }
                if abs(x - w / 2) < w * 0.04 && y > h * 0.1 { value = max(value, 0.72) }
                for opacity in opacities {
                    let distance = hypot(x - opacity.x, y - opacity.y) / opacity.radius
                    if distance < 1.6 { value += opacity.strength * exp(-distance * distance * 1.5) * generator.uniform(0.6, 1.0) }
                }
                value += 0.03 * generator.uniform(-1, 1)
                pixels[row * width + column] = Float(min(max(value, 0), 1))
            }
        }
        return pixels
    }

    private func ellipse(_ x: Double, _ y: Double, _ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double) -> Double {
        let dx = (x - cx) / rx, dy = (y - cy) / ry
        return dx * dx + dy * dy
    }
}
