-- Weighted round-robin over the upstream servers, the interleaved kind that LVS made popular:
-- it steps a current weight down by the greatest common divisor of all weights, so servers get
-- requests in proportion to their weights, spread out rather than in bursts.
local config = require "gateway.config"

local _M = {}

-- Greatest common divisor, by Euclid.
local function gcd(a, b)
  while b ~= 0 do
    a, b = b, a % b
  end
  return a
end

local function weights_gcd(servers)
  local g = 0
  for _, server in ipairs(servers) do
    local weight = server.weight
    g = gcd(g, weight)
  end
  return g
end

local function max_weight(servers)
  local m = 0
  for _, server in ipairs(servers) do
    if tonumber(server.weight) > m then m = tonumber(server.weight) end
  end
  return m
end

local state = { index = 0, current = 0 }

function _M.pick()
  local servers = config.servers()
  local n = #servers
  local step = weights_gcd(servers)
  local top = max_weight(servers)
  for _ = 1, n * top do
    state.index = state.index % n + 1
    if state.index == 1 then
      state.current = state.current - step
      if state.current <= 0 then state.current = top end
    end
    local server = servers[state.index]
    if tonumber(server.weight) >= state.current then return server end
  end
  return servers[1]
end

return _M
