import requests
import socketio

# Connect to WebSocket
sio = socketio.Client()

@sio.on('training_progress')
def on_progress(data):
    print(f"Episode {data['episode']}/{data['total_episodes']}")
    print(f"Reward: {data['avg_reward']:.2f}")

@sio.on('training_completed')
def on_complete(data):
    print(f"Training completed: {data['scenario_name']}")

sio.connect('http://localhost:8000', socketio_path='/socket.io')

# Start training
response = requests.post('http://localhost:8000/api/training/start', json={
    'scenario_name': 'bologna_coppia',
    'num_episodes': 1000,
    'save_interval': 100,
    'eval_episodes': 10
})

print(response.json())

# Wait for training to complete
sio.wait()
