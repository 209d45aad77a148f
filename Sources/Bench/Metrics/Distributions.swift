import Foundation

/// The few distribution functions the intervals and tests need, in double precision. Quantiles invert the
/// CDF by bisection: slower than rational approximations but accurate to the last bits with no tables,
/// and only ever called a handful of times per report.
enum Distributions {
    /// Standard normal CDF, through `erfc` so the upper tail keeps its relative precision.
    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Two-sided p-value of a standard normal statistic: P(|Z| >= |z|).
    static func normalTwoSidedP(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }

    static func normalQuantile(_ p: Double) -> Double { invert(normalCDF, p) }

    /// The two-sided critical value for `level`, e.g. 1.959964 for 0.95.
    static func normalCritical(level: Double) -> Double { normalQuantile((1 + level) / 2) }

    /// Student t CDF with `degrees` of freedom: for t > 0, 1 - I_x(d/2, 1/2) / 2 with x = d / (d + t^2).
    static func studentTCDF(_ t: Double, degrees: Double) -> Double {
        let tail = 0.5 * regularizedIncompleteBeta(degrees / (degrees + t * t), degrees / 2, 0.5)
        return t > 0 ? 1 - tail : tail
    }

    static func studentTCritical(level: Double, degrees: Double) -> Double {
        invert({ studentTCDF($0, degrees: degrees) }, (1 + level) / 2)
    }

    /// Chi-squared survival function with one degree of freedom: P(Z^2 >= x).
    static func chiSquaredOneSurvival(_ x: Double) -> Double { erfc((x / 2).squareRoot()) }

    /// Exact two-sided binomial test of k successes in n trials with p = 1/2: the probability of an outcome
    /// at least as far from n/2, which for the symmetric case is min(1, 2 P(X <= min(k, n - k))), as
    /// scipy's `binomtest(k, n).pvalue` computes it. Terms are summed from exp(log pmf) to stay finite for large n.
    static func binomialTwoSidedHalf(_ k: Int, _ n: Int) -> Double {
        guard n > 0 else { return 1 }
        let tail = min(k, n - k)
        let logFactorialN = logGamma(Double(n) + 1), logHalfPower = Double(n) * log(0.5)
        var sum = 0.0
        for i in 0...tail {
            let logChoose = logFactorialN - logGamma(Double(i) + 1) - logGamma(Double(n - i) + 1)
            sum += exp(logChoose + logHalfPower)
        }
        return min(1, 2 * sum)
    }

    /// I_x(a, b) by the continued fraction of Numerical Recipes (2007, section 6.4, modified Lentz),
    /// using the symmetry I_x(a, b) = 1 - I_(1-x)(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta = logGamma(a) + logGamma(b) - logGamma(a + b)
        let logFront = a * log(x) + b * log(1 - x) - logBeta
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a, b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, b, a) / b
    }

    /// log Γ(x) for x > 0 (the C library's; the return type picks it over Foundation's (value, sign) overload).
    private static func logGamma(_ x: Double) -> Double { lgamma(x) }

    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...10_000 {
            let m = Double(m)
            for numerator in [m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                              -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))] {
                d = 1 + numerator * d
                if abs(d) < tiny { d = tiny }
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                d = 1 / d
                fraction *= d * c
            }
            if abs(d * c - 1) < 1e-16 { break }
        }
        return fraction
    }

    /// x with cdf(x) = p for an increasing CDF on the real line, by bisection to adjacent doubles.
    private static func invert(_ cdf: (Double) -> Double, _ p: Double) -> Double {
        var low = -1.0, high = 1.0
        while cdf(low) > p { low *= 2 }
        while cdf(high) < p { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle <= low || middle >= high { break }
            if cdf(middle) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
