// Reproducible incompressible test data: the same seed gives the same bytes.
#pragma once

#include <random>
#include <string>

inline std::string random_bytes(size_t size, unsigned seed = 42) {
    std::mt19937 rng(seed);
    std::string out(size, '\0');
    for (auto &c : out)
        c = static_cast<char>(rng());
    return out;
}
