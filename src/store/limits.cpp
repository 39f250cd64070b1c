#include "store/limits.hpp"

#include "util/units.hpp"

#include <cstdlib>
#include <string>

namespace fleche::store {

namespace {

std::string env(const char *name) {
    const char *value = std::getenv(name);
    return value ? value : "";
}

} // namespace

Limits limits_from_environment() {
    Limits limits;
    if (std::string size = env("FLECHE_MAX_SIZE"); !size.empty())
        limits.max_size = parse_size(size, "FLECHE_MAX_SIZE");
    if (std::string age = env("FLECHE_MAX_AGE"); !age.empty())
        limits.max_age_ns = parse_duration(age, "FLECHE_MAX_AGE");
    return limits;
}

} // namespace fleche::store
