// Entry of the households, Simulate and Advice views: one scenario list feeds them all, and the
// "New run" scenario cards are redrawn when a household is saved or deleted.
import { showBanner } from '../banner.js';
import { renderScenarios } from '../scenarios.js';
import { AdvicePanel } from './advice.js';
import { HouseholdsPanel } from './households.js';
import { useApi } from './requests.js';
import { SimulateView } from './simulate.js';

const $ = (id) => document.getElementById(id);
const simulate = new SimulateView($('simulate'));
const advice = new AdvicePanel($('advice'));
const households = new HouseholdsPanel($('households'), () => refresh(true));

async function refresh(redrawStartCards = false) {
  const scenarios = await useApi.scenarios();
  households.render(scenarios);
  simulate.render(scenarios);
  advice.render(scenarios);
  if (redrawStartCards) renderScenarios($('scenario-list'), scenarios);
}

refresh().catch((error) => showBanner('error', error.message));
