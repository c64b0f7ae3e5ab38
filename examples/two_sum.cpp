#include <unordered_map>
#include <vector>

// Indices of the two numbers of `nums` that add up to `target`.
std::vector<int> twoSum(std::vector<int>& nums, int target) {
    std::unordered_map<int, int> seen;
    for (int i = 0; i < (int)nums.size(); ++i) {
        auto found = seen.find(target - nums[i]);
        if (found != seen.end()) return {found->second, i};
        seen[nums[i]] = i;
    }
    return {};
}
