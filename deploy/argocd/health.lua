-- Argo CD health check for CIFederatedIdentity and CIIssuer (cifederation.dev).
-- Healthy: the operator has observed the current generation and Ready is True.
-- Progressing: no status yet, an older generation observed, or Ready Unknown (clouds still syncing).
-- Degraded: Ready is False; the message carries the reason (Conflict, Unauthorized, IssuerNotFound...).
local hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "The operator has not observed generation " .. tostring(generation) .. " yet"
  return hs
end
local ready = nil
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end
local message = (ready.reason or "") .. ": " .. (ready.message or "")
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
hs.message = message
return hs
