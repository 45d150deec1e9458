import io from 'socket.io-client';
import axios from 'axios';

// Connect to WebSocket
const socket = io('http://localhost:8000', {
  path: '/socket.io'
});

socket.on('connect', () => {
  console.log('Connected to training updates');
  socket.emit('subscribe_training', {});
});

socket.on('training_progress', (data) => {
  console.log(`Episode ${data.episode}/${data.total_episodes}`);
  console.log(`Reward: ${data.avg_reward.toFixed(2)}`);
});

socket.on('training_completed', (data) => {
  console.log(`Training completed: ${data.scenario_name}`);
});

// Start training
axios.post('http://localhost:8000/api/training/start', {
  scenario_name: 'bologna_coppia',
  num_episodes: 1000,
  save_interval: 100,
  eval_episodes: 10
}).then(response => {
  console.log(response.data);
});
